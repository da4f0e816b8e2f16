// `coap-gateway logout`: DELETE /sessions from the session's port, then forget the state.
import type { Command } from 'commander';
import { Code, codeText } from '../../coap/index.js';
import { ExitCode, exitCodeFor, explainResponse, formatAddress, removeState } from '../../client/index.js';
import { CommandFailure, EXIT_CODES_HELP, action, commonOptions, failureOf, loadContext, open, printJson, type CommonFlags } from './client-common.js';

const EXAMPLES = `
Examples:
  $ coap-gateway logout
  $ coap-gateway logout --state ./client.json --json

Closes the session (2.02 Deleted) and deletes the state file. When the gateway has no session for this
port any more (4.12 Precondition Failed, e.g. it was closed for idleness), the state file is deleted too.
${EXIT_CODES_HELP}`;

async function logout(flags: CommonFlags): Promise<number> {
  const ctx = await loadContext(flags);
  if (ctx.state === undefined && flags.port === undefined) {
    throw new CommandFailure(`not logged in: no state file at ${ctx.statePath}`, ExitCode.FAILURE);
  }
  const client = await open(ctx);
  try {
    const response = await client.logout({ timeoutMs: ctx.timeoutMs }).catch((e: unknown) => {
      throw failureOf(e, ctx, client.gatewayLabel);
    });
    // RFC 7252 §5.9.1.2: 2.02 Deleted; the guide: 4.12 Precondition Failed when there was nothing to close.
    const closed = response.code === Code.DELETED;
    if (closed || response.code === Code.PRECONDITION_FAILED) {
      const removed = await removeState(ctx.statePath);
      if (!removed.ok) throw new CommandFailure(removed.error, ExitCode.FAILURE);
    }
    const text = closed ? undefined : explainResponse(response, { action: 'logout', local: client.localLabel, gateway: client.gatewayLabel });
    if (ctx.json) {
      printJson({ ok: closed, code: codeText(response.code), gateway: formatAddress(ctx.gateway), localPort: client.localPort, ...(text === undefined ? {} : { error: text }) });
    } else if (closed) {
      process.stdout.write(`Logged out of ${client.gatewayLabel}: the session on ${client.localLabel} is closed.\n`);
    } else {
      process.stderr.write(`coap-gateway: ${text as string}\n`);
    }
    return exitCodeFor(response.code);
  } finally {
    await client.close();
  }
}

export function registerLogout(program: Command): void {
  const command = program.command('logout').description('close the session (DELETE /sessions) and forget the state');
  commonOptions(command, 30)
    .addHelpText('after', EXAMPLES)
    .action(action((flags: CommonFlags) => logout(flags)));
}
