// The per-user state file: which gateway, which fixed local UDP port the session is bound to, since when.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Result, ok, err } from '../base/index.js';
import { parseGatewayAddress, formatAddress, type GatewayAddress } from './target.js';

/** What a login leaves behind; later commands bind `localPort` again so the gateway finds the session. */
export interface ClientState {
  readonly gateway: GatewayAddress;
  /** The local UDP port the session is bound to (like `coap-client -p`). */
  readonly localPort: number;
  /** The local address bound (127.0.0.1 for a loopback gateway, else the wildcard). */
  readonly bindHost: string;
  readonly session?: SessionInfo;
}

export interface SessionInfo {
  /** Wall-clock ms of the login. */
  readonly loggedInAtMs: number;
  readonly sticky: boolean;
  /** The token's subject, when it could be read. */
  readonly account?: string;
  /** The token's `exp` in wall-clock ms, when it could be read. */
  readonly tokenExpiresAtMs?: number;
}

export interface StatePathInputs {
  /** `--state FILE`. */
  readonly override?: string;
  readonly env: { readonly COAP_GATEWAY_STATE?: string | undefined; readonly XDG_STATE_HOME?: string | undefined };
  readonly homeDir: string;
}

/** `--state`, else $COAP_GATEWAY_STATE, else $XDG_STATE_HOME/coap-gateway/client.json, else ~/.local/state/... */
export function resolveStatePath(inputs: StatePathInputs): string {
  if (inputs.override !== undefined && inputs.override !== '') return inputs.override;
  const fromEnv = inputs.env.COAP_GATEWAY_STATE;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  // XDG Base Directory: a relative XDG_STATE_HOME is invalid and must be ignored.
  const xdg = inputs.env.XDG_STATE_HOME;
  const base = xdg !== undefined && xdg.startsWith('/') ? xdg : join(inputs.homeDir, '.local', 'state');
  return join(base, 'coap-gateway', 'client.json');
}

const isPort = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
const isTime = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** Parses the file's JSON; anything unexpected is an error naming the field. */
export function parseState(text: string): Result<ClientState, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return err(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return err('not a JSON object');
  const o = raw as Record<string, unknown>;
  if (o['version'] !== 1) return err(`unknown version ${JSON.stringify(o['version'])} (expected 1)`);
  if (typeof o['gateway'] !== 'string') return err('"gateway" must be a "host:port" string');
  const gateway = parseGatewayAddress(o['gateway']);
  if (!gateway.ok) return err(`"gateway": ${gateway.error}`);
  if (!isPort(o['localPort'])) return err('"localPort" must be a port number 1-65535');
  if (typeof o['bindHost'] !== 'string' || o['bindHost'] === '') return err('"bindHost" must be an address');
  const state = { gateway: gateway.value, localPort: o['localPort'], bindHost: o['bindHost'] };
  const s = o['session'];
  if (s === undefined || s === null) return ok(state);
  if (typeof s !== 'object' || Array.isArray(s)) return err('"session" must be an object');
  const session = s as Record<string, unknown>;
  if (!isTime(session['loggedInAtMs'])) return err('"session.loggedInAtMs" must be a time in ms');
  if (typeof session['sticky'] !== 'boolean') return err('"session.sticky" must be true or false');
  if (session['account'] !== undefined && typeof session['account'] !== 'string') return err('"session.account" must be a string');
  if (session['tokenExpiresAtMs'] !== undefined && !isTime(session['tokenExpiresAtMs'])) return err('"session.tokenExpiresAtMs" must be a time in ms');
  return ok({
    ...state,
    session: {
      loggedInAtMs: session['loggedInAtMs'],
      sticky: session['sticky'],
      ...(typeof session['account'] === 'string' ? { account: session['account'] } : {}),
      ...(isTime(session['tokenExpiresAtMs']) ? { tokenExpiresAtMs: session['tokenExpiresAtMs'] } : {}),
    },
  });
}

export function serializeState(state: ClientState): string {
  return `${JSON.stringify(
    {
      version: 1,
      gateway: formatAddress(state.gateway),
      localPort: state.localPort,
      bindHost: state.bindHost,
      ...(state.session === undefined ? {} : { session: state.session }),
    },
    null,
    2,
  )}\n`;
}

/** Reads the state; `undefined` when there is no file yet (never logged in). */
export async function readState(path: string): Promise<Result<ClientState | undefined, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok(undefined);
    return err(`cannot read the state file ${path}: ${(e as Error).message}`);
  }
  const parsed = parseState(text);
  return parsed.ok ? parsed : err(`the state file ${path} is damaged: ${parsed.error} — delete it and log in again`);
}

/** Writes the state atomically (temporary file + rename), readable by the user only. */
export async function writeState(path: string, state: ClientState): Promise<Result<void, string>> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(temporary, serializeState(state), { mode: 0o600 });
    await rename(temporary, path);
    return ok(undefined);
  } catch (e) {
    await rm(temporary, { force: true }).catch(() => undefined);
    return err(`cannot write the state file ${path}: ${(e as Error).message}`);
  }
}

/** Deletes the state file; true when there was one. */
export async function removeState(path: string): Promise<Result<boolean, string>> {
  try {
    await rm(path);
    return ok(true);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok(false);
    return err(`cannot delete the state file ${path}: ${(e as Error).message}`);
  }
}
