// Session: an account's login bound to one client socket, as plain data, with its string-record codec.
import { type Result, ok, err } from '../base/index.js';

/**
 * One login. Times are wall-clock milliseconds since the Unix epoch, so they stay meaningful across
 * a gateway restart and between gateway instances sharing a store.
 */
export interface Session {
  readonly id: string;
  /** The token's subject. */
  readonly account: string;
  /** The bound client socket: "ip:port" or "[v6]:port" (see `clientKeyOf`). */
  readonly clientKey: string;
  /** A sticky session follows its account to a new socket on the next sticky login. */
  readonly sticky: boolean;
  readonly createdAtMs: number;
  /** Last traffic in either direction between the client and the gateway. */
  readonly lastActivityMs: number;
  /** When the token used to log in expires. */
  readonly expiresAtMs: number;
  readonly tokenId: string;
  /** Opaque to sessions: a JSON value (the claims the gateway needs for authorization). */
  readonly permissions: unknown;
}

/** The one spelling of a client socket: "192.0.2.1:5683" or "[2001:db8::1]:5683". */
export function clientKeyOf(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The field names of a session record, in the order the persistent stores write them. */
export const SESSION_FIELDS = [
  'id',
  'account',
  'clientKey',
  'sticky',
  'createdAtMs',
  'lastActivityMs',
  'expiresAtMs',
  'tokenId',
  'permissions',
] as const;

export type SessionRecord = Record<(typeof SESSION_FIELDS)[number], string>;

/** Flattens a session to strings (permissions as JSON); fails when the permissions are not JSON. */
export function sessionToRecord(s: Session): Result<SessionRecord> {
  let permissions: string | undefined;
  try {
    permissions = JSON.stringify(s.permissions);
  } catch (e) {
    return err(`permissions are not JSON: ${(e as Error).message}`);
  }
  return ok({
    id: s.id,
    account: s.account,
    clientKey: s.clientKey,
    sticky: s.sticky ? '1' : '0',
    createdAtMs: String(s.createdAtMs),
    lastActivityMs: String(s.lastActivityMs),
    expiresAtMs: String(s.expiresAtMs),
    tokenId: s.tokenId,
    permissions: permissions ?? 'null',
  });
}

/** Rebuilds a session from stored strings; stored data is checked like any other input. */
export function sessionFromRecord(r: Readonly<Record<string, string | undefined>>): Result<Session> {
  const { id, account, clientKey, sticky, tokenId, permissions } = r;
  if (id === undefined || id === '') return err('session record has no id');
  if (account === undefined || clientKey === undefined || tokenId === undefined || permissions === undefined) {
    return err(`session record ${id} is incomplete`);
  }
  if (sticky !== '0' && sticky !== '1') return err(`session record ${id}: sticky is not 0/1`);
  const createdAtMs = Number(r.createdAtMs);
  const lastActivityMs = Number(r.lastActivityMs);
  const expiresAtMs = Number(r.expiresAtMs);
  if (!Number.isFinite(createdAtMs) || !Number.isFinite(lastActivityMs) || !Number.isFinite(expiresAtMs)) {
    return err(`session record ${id}: a time is not a number`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(permissions);
  } catch {
    return err(`session record ${id}: permissions are not JSON`);
  }
  return ok({
    id,
    account,
    clientKey,
    sticky: sticky === '1',
    createdAtMs,
    lastActivityMs,
    expiresAtMs,
    tokenId,
    permissions: parsed,
  });
}

/** Reads the flat [field, value, field, value, ...] form that Redis HGETALL replies in. */
export function sessionFromPairs(pairs: readonly unknown[]): Result<Session> {
  const r: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const k = pairs[i];
    const v = pairs[i + 1];
    if (typeof k === 'string' && typeof v === 'string') r[k] = v;
  }
  return sessionFromRecord(r);
}
