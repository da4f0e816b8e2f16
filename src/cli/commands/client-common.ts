// Shared plumbing of the client commands: common flags, state loading, opening the client, exit codes.
import { homedir } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { openClient, type OpenClient } from '../../app/index.js';
import {
  DEFAULT_GATEWAY, ExitCode, explainFailure, exitCodeForFailure, failureKindOf, parseGatewayAddress, parseTimeoutSeconds, readState, resolveStatePath,
  createGatewayClient, type ClientState, type GatewayAddress, type GatewayClient,
} from '../../client/index.js';

/** Flags every client command takes. */
export interface CommonFlags {
  readonly gateway?: string;
  readonly state?: string;
  readonly timeout?: string;
  readonly json?: boolean;
  readonly port?: string;
  readonly bind?: string;
}

/** Raised inside a command to stop with a message and an exit code (caught by `action`). */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const usage = (message: string): CommandFailure => new CommandFailure(`${message} (see --help)`, ExitCode.USAGE);

export const EXIT_CODES_HELP = `
Exit codes: 0 success (2.xx), 4 a 4.xx answer, 5 a 5.xx answer, 3 timeout, 2 usage error, 1 other failures.
State: the session's gateway and fixed local port live in $COAP_GATEWAY_STATE, else
$XDG_STATE_HOME/coap-gateway/client.json, else ~/.local/state/coap-gateway/client.json (or --state FILE).`;

/** Adds --gateway, --state, --timeout, --json (and --port/--bind where a socket is chosen). */
export function commonOptions(command: Command, defaultTimeoutSec: number, socketFlags = true): Command {
  command
    .option('-g, --gateway <host:port>', `gateway address (default: the logged-in one, else ${DEFAULT_GATEWAY.host}:${DEFAULT_GATEWAY.port})`)
    .option('--state <file>', 'state file (default: $COAP_GATEWAY_STATE or ~/.local/state/coap-gateway/client.json)')
    .option('--timeout <seconds>', 'how long to wait for each response', String(defaultTimeoutSec))
    .option('--json', 'machine-readable output (one JSON object per line)');
  if (socketFlags) {
    command
      .option('-p, --port <port>', 'local UDP port (default: the session\'s port from the state file)')
      .option('--bind <address>', 'local address to bind (default: 127.0.0.1 for a loopback gateway, else 0.0.0.0)');
  }
  // Usage errors exit 2 (commander would use 1); --help and --version still exit 0.
  command.exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : ExitCode.USAGE));
  return command;
}

export interface Context {
  readonly statePath: string;
  readonly state: ClientState | undefined;
  readonly gateway: GatewayAddress;
  readonly timeoutMs: number;
  readonly json: boolean;
  /** The local port to bind: --port, else the state's, else 0 (the OS chooses). */
  readonly localPort: number;
  readonly portFromState: boolean;
  readonly bindHost: string | undefined;
}

function sameGateway(a: GatewayAddress, b: GatewayAddress): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}

export async function loadContext(flags: CommonFlags): Promise<Context> {
  const statePath = resolveStatePath({ ...(flags.state === undefined ? {} : { override: flags.state }), env: process.env, homeDir: homedir() });
  const read = await readState(statePath);
  if (!read.ok) throw new CommandFailure(read.error, ExitCode.FAILURE);
  const state = read.value;
  let gateway = state?.gateway ?? DEFAULT_GATEWAY;
  if (flags.gateway !== undefined) {
    const parsed = parseGatewayAddress(flags.gateway);
    if (!parsed.ok) throw usage(parsed.error);
    gateway = parsed.value;
  }
  const timeout = parseTimeoutSeconds(flags.timeout ?? '90');
  if (!timeout.ok) throw usage(timeout.error);
  // The session belongs to the state's socket only for the state's gateway.
  const stateApplies = state !== undefined && sameGateway(state.gateway, gateway);
  let localPort = stateApplies ? state.localPort : 0;
  if (flags.port !== undefined) {
    if (!/^[0-9]{1,5}$/.test(flags.port) || Number(flags.port) > 65535) throw usage(`bad --port "${flags.port}" (0-65535)`);
    localPort = Number(flags.port);
  }
  return {
    statePath,
    state,
    gateway,
    timeoutMs: timeout.value,
    json: flags.json === true,
    localPort,
    portFromState: stateApplies && flags.port === undefined,
    bindHost: flags.bind ?? (stateApplies ? state.bindHost : undefined),
  };
}

/** Opens the client socket for a context; `port` overrides the context's port. */
export type Client = OpenClient & GatewayClient;

export async function open(ctx: Context, port = ctx.localPort): Promise<Client> {
  const opened = await openClient({ gateway: ctx.gateway, localPort: port, ...(ctx.bindHost === undefined ? {} : { bindHost: ctx.bindHost }) });
  if (!opened.ok) throw new CommandFailure(opened.error, ExitCode.FAILURE);
  return { ...opened.value, ...createGatewayClient(opened.value) };
}

/** A RequestError (timeout, RST...) as a CommandFailure with its explanation; anything else passes. */
export function failureOf(e: unknown, ctx: Context, gatewayLabel: string): unknown {
  const kind = failureKindOf(e);
  if (kind === undefined) return e;
  return new CommandFailure(explainFailure(kind, { gateway: gatewayLabel, timeoutMs: ctx.timeoutMs }, (e as Error).message), exitCodeForFailure(kind));
}

/** Runs a command body; failures print their message on stderr and set the exit code. */
export function action<A extends unknown[]>(body: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = await body(...args);
    } catch (e) {
      if (e instanceof CommandFailure) {
        process.stderr.write(`coap-gateway: ${e.message}\n`);
        process.exitCode = e.exitCode;
        return;
      }
      process.stderr.write(`coap-gateway: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = ExitCode.FAILURE;
    }
  };
}

/** Reads all of stdin (for `--file -` and `--token-file -`). */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A file's bytes, or stdin for "-". */
export async function readInput(file: string, what: string): Promise<Buffer> {
  try {
    return file === '-' ? await readStdin() : await readFile(file);
  } catch (e) {
    throw new CommandFailure(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, ExitCode.FAILURE);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Progress on stderr, only when it is a terminal; cleared when done. */
export function progressWriter(enabled: boolean): { update(line: string): void; done(): void } {
  const tty = enabled && process.stderr.isTTY === true;
  let shown = false;
  return {
    update(line) {
      if (!tty) return;
      process.stderr.write(`\r\x1b[2K${line}`);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}
