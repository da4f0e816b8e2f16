// `coap-gateway login`: get a token (token service, --token or --token-file) and open a session on a fixed local port.
import type { Command } from 'commander';
import { systemClock } from '../../base/index.js';
import { codeClass, codeText } from '../../coap/index.js';
import { ExitCode, explainResponse, exitCodeFor, formatAddress, peekToken, writeState } from '../../client/index.js';
import { fetchToken } from '../../token-service/index.js';
import {
  CommandFailure, EXIT_CODES_HELP, action, commonOptions, failureOf, loadContext, open, printJson, readInput, usage,
  type CommonFlags, type Context,
} from './client-common.js';

interface LoginFlags extends CommonFlags {
  readonly token?: string;
  readonly tokenFile?: string;
  readonly tokenUrl?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly sticky?: boolean;
}

const EXAMPLES = `
Examples:
  $ coap-gateway login --gateway 127.0.0.1:5683 --token-url http://127.0.0.1:8080 --client-id demo --client-secret s3cret
  $ coap-gateway login --token-file token.jwt --sticky
  $ echo "$TOKEN" | coap-gateway login --token-file - --port 12345

The client id, secret and token URL may also come from COAP_GATEWAY_CLIENT_ID, COAP_GATEWAY_CLIENT_SECRET
and COAP_GATEWAY_TOKEN_URL (keeps the secret out of the process list).
${EXIT_CODES_HELP}`;

async function obtainToken(flags: LoginFlags, ctx: Context): Promise<string> {
  const sources = [flags.token !== undefined, flags.tokenFile !== undefined, flags.tokenUrl !== undefined].filter(Boolean).length;
  if (sources > 1) throw usage('give only one of --token, --token-file and --token-url');
  if (flags.token !== undefined) return flags.token.trim();
  if (flags.tokenFile !== undefined) return (await readInput(flags.tokenFile, 'the token file')).toString('utf8').trim();
  const url = flags.tokenUrl ?? process.env['COAP_GATEWAY_TOKEN_URL'];
  const clientId = flags.clientId ?? process.env['COAP_GATEWAY_CLIENT_ID'];
  const clientSecret = flags.clientSecret ?? process.env['COAP_GATEWAY_CLIENT_SECRET'];
  if (url === undefined) throw usage('no token: give --token, --token-file, or --token-url with --client-id and --client-secret');
  if (clientId === undefined || clientSecret === undefined) throw usage('--token-url needs --client-id and --client-secret');
  const signal = AbortSignal.timeout(ctx.timeoutMs);
  const fetched = await fetchToken({ url, clientId, clientSecret, signal });
  if (!fetched.ok) throw new CommandFailure(`cannot get a token: ${fetched.error}`, ExitCode.FAILURE);
  return fetched.value.accessToken;
}

async function login(flags: LoginFlags): Promise<number> {
  const ctx = await loadContext(flags);
  const token = await obtainToken(flags, ctx);
  if (token === '') throw usage('the token is empty');
  let client;
  try {
    client = await open(ctx);
  } catch (e) {
    // The remembered port may be held by a running `observe`: a fresh login may take another one.
    if (!ctx.portFromState) throw e;
    process.stderr.write(`coap-gateway: ${(e as Error).message}; logging in from a new port instead\n`);
    client = await open(ctx, 0);
  }
  try {
    const sticky = flags.sticky === true;
    const response = await client.login(token, sticky, { timeoutMs: ctx.timeoutMs }).catch((e: unknown) => {
      throw failureOf(e, ctx, client.gatewayLabel);
    });
    if (codeClass(response.code) !== 2) {
      const text = explainResponse(response, { action: 'login', local: client.localLabel, gateway: client.gatewayLabel });
      if (ctx.json) printJson({ ok: false, code: codeText(response.code), error: text });
      else process.stderr.write(`coap-gateway: ${text}\n`);
      return exitCodeFor(response.code);
    }
    const peek = peekToken(token);
    const saved = await writeState(ctx.statePath, {
      gateway: ctx.gateway,
      localPort: client.localPort,
      bindHost: client.bindHost,
      session: {
        loggedInAtMs: systemClock.wallNow(),
        sticky,
        ...(peek.subject === undefined ? {} : { account: peek.subject }),
        ...(peek.expiresAtMs === undefined ? {} : { tokenExpiresAtMs: peek.expiresAtMs }),
      },
    });
    if (!saved.ok) throw new CommandFailure(`logged in, but ${saved.error}`, ExitCode.FAILURE);
    if (ctx.json) {
      printJson({
        ok: true, gateway: formatAddress(ctx.gateway), localPort: client.localPort, bindHost: client.bindHost, sticky,
        account: peek.subject ?? null, tokenExpiresAtMs: peek.expiresAtMs ?? null, statePath: ctx.statePath,
      });
    } else {
      const who = peek.subject === undefined ? '' : ` as ${peek.subject}`;
      const expiry = peek.expiresAtMs === undefined ? '' : `; token valid until ${new Date(peek.expiresAtMs).toISOString()}`;
      process.stdout.write(
        `Logged in to ${client.gatewayLabel}${who}${sticky ? ' (sticky)' : ''}: session bound to ${client.localLabel}${expiry}.\n` +
          `Later commands reuse this port (state in ${ctx.statePath}).\n`,
      );
    }
    return ExitCode.OK;
  } finally {
    await client.close();
  }
}

export function registerLogin(program: Command): void {
  const command = program
    .command('login')
    .description('log in to a gateway: POST a token to /sessions from a fixed local port, remembered for later commands')
    .option('--token <jwt>', 'the access token itself')
    .option('--token-file <file>', 'read the token from a file ("-" = stdin)')
    .option('--token-url <url>', 'token service (http://host:port or its /oauth/token URL): client-credentials grant')
    .option('--client-id <id>', 'client id for --token-url')
    .option('--client-secret <secret>', 'client secret for --token-url')
    .option('--sticky', "the session follows the account to this socket (POST /sessions?sticky=true)");
  commonOptions(command, 30).addHelpText('after', EXAMPLES).action(action((flags: LoginFlags) => login(flags)));
}
