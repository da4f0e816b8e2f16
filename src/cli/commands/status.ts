// `coap-gateway status`: what the state file says about the session, and whether the gateway answers a CoAP ping.
import type { Command } from 'commander';
import { systemClock } from '../../base/index.js';
import { ExitCode, exitCodeForFailure, failureKindOf, formatAddress } from '../../client/index.js';
import { EXIT_CODES_HELP, action, commonOptions, loadContext, open, printJson, type Client, type CommonFlags, type Context } from './client-common.js';

const EXAMPLES = `
Examples:
  $ coap-gateway status
  $ coap-gateway status --json

Pings from the session's own port, which also counts as traffic for the session's idle timer; when that
port is busy (an observe is running), from a temporary one. Exit code 0 when the gateway answers, 3 when not.
${EXIT_CODES_HELP}`;

function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

async function ping(ctx: Context): Promise<{ ok: true; rttMs: number; fromPort: number } | { ok: false; error: string; timeout: boolean }> {
  let client: Client;
  try {
    client = await open(ctx);
  } catch {
    try {
      client = await open(ctx, 0);
    } catch (e) {
      return { ok: false, error: (e as Error).message, timeout: false };
    }
  }
  try {
    const rttMs = await client.ping({ timeoutMs: ctx.timeoutMs });
    return { ok: true, rttMs, fromPort: client.localPort };
  } catch (e) {
    const kind = failureKindOf(e);
    const error = kind === 'timeout' ? `no answer to a CoAP ping within ${ctx.timeoutMs / 1000} s` : kind === 'reset' ? 'RST' : (e as Error).message;
    return { ok: false, error, timeout: kind === 'timeout' };
  } finally {
    await client.close();
  }
}

async function status(flags: CommonFlags): Promise<number> {
  const ctx = await loadContext(flags);
  const now = systemClock.wallNow();
  const session = ctx.state?.session;
  const result = await ping(ctx);
  const exit = result.ok ? ExitCode.OK : result.timeout ? exitCodeForFailure('timeout') : ExitCode.FAILURE;
  if (ctx.json) {
    printJson({
      statePath: ctx.statePath,
      loggedIn: session !== undefined,
      gateway: formatAddress(ctx.gateway),
      localPort: ctx.state?.localPort ?? null,
      bindHost: ctx.state?.bindHost ?? null,
      session: session ?? null,
      tokenExpired: session?.tokenExpiresAtMs === undefined ? null : session.tokenExpiresAtMs <= now,
      ping: result.ok ? { ok: true, rttMs: result.rttMs } : { ok: false, error: result.error },
    });
    return exit;
  }
  const lines = [`state:    ${ctx.statePath}${ctx.state === undefined ? ' (none: not logged in)' : ''}`, `gateway:  ${formatAddress(ctx.gateway)}`];
  if (ctx.state !== undefined) lines.push(`local:    ${formatAddress({ host: ctx.state.bindHost, port: ctx.state.localPort })}`);
  if (session !== undefined) {
    lines.push(`session:  logged in ${duration(now - session.loggedInAtMs)} ago${session.account === undefined ? '' : ` as ${session.account}`}${session.sticky ? ' (sticky)' : ''}`);
    if (session.tokenExpiresAtMs !== undefined) {
      const left = session.tokenExpiresAtMs - now;
      lines.push(`token:    ${left > 0 ? `expires in ${duration(left)}` : `expired ${duration(left)} ago — run \`coap-gateway login\``}`);
    }
  }
  lines.push(result.ok ? `ping:     ${result.rttMs.toFixed(1)} ms (CoAP ping from port ${result.fromPort})` : `ping:     failed: ${result.error}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return exit;
}

export function registerStatus(program: Command): void {
  const command = program.command('status').description('show the saved session and ping the gateway');
  commonOptions(command, 5)
    .addHelpText('after', EXAMPLES)
    .action(action((flags: CommonFlags) => status(flags)));
}
