// SessionStore: the small async interface every session store (memory, SQLite, Redis) implements.
import type { Result } from '../base/index.js';
import type { Session } from './session.js';

/** What a successful `claim` did. */
export interface Claimed {
  /** The session as stored. A moved sticky session keeps its id and createdAtMs. */
  readonly session: Session;
  /** The session that held the same client key before (of any account), now gone. */
  readonly replaced: Session | undefined;
  /** The account's sticky session as it was before it moved: its clientKey is the old socket. */
  readonly moved: Session | undefined;
}

/** Why a `claim` was refused: the account already has `active` >= limit other sessions. */
export interface ClaimRefused {
  readonly reason: 'limit';
  readonly active: number;
}

export type ClaimResult = Result<Claimed, ClaimRefused>;

/** A last-activity update; a store never moves lastActivityMs backwards. */
export interface SessionActivity {
  readonly id: string;
  readonly lastActivityMs: number;
}

/**
 * Invariants every store keeps: at most one session per client key; ids unique. Stores reject
 * (the promise) only on I/O failure, never on a missing session.
 */
export interface SessionStore {
  getById(id: string): Promise<Session | undefined>;
  getByClientKey(clientKey: string): Promise<Session | undefined>;
  listByAccount(account: string): Promise<Session[]>;
  countByAccount(account: string): Promise<number>;
  /** All sessions. */
  count(): Promise<number>;
  /** Up to `limit` sessions with id > `afterId`, ordered by id (for listings and admin). */
  page(afterId: string | undefined, limit: number): Promise<Session[]>;
  /** Upserts by id; a different session holding the same client key is removed. */
  put(session: Session): Promise<void>;
  /** Removes a session; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Raises lastActivityMs (never lowers it); returns the ids that no longer exist. */
  touch(updates: readonly SessionActivity[]): Promise<string[]>;
  /**
   * The login step, atomic (one step even between several gateway instances):
   * 1. the session holding `session.clientKey` (any account) is to be replaced;
   * 2. when `session.sticky`, the account's sticky session on another client key is to be moved here:
   *    it keeps its id and createdAtMs and takes the new clientKey, token fields and activity;
   * 3. `active` = the account's sessions not counting those two; if active >= limit nothing changes and
   *    the result is { reason: 'limit' } (SPEC §3.2; the gateway answers 4.29, RFC 8516);
   * 4. otherwise both are removed and the (new or moved) session written.
   */
  claim(session: Session, limit: number): Promise<ClaimResult>;
  /** Atomically removes and returns the sessions idle longer than `idleMs` (nowMs - lastActivityMs > idleMs). */
  expireIdle(nowMs: number, idleMs: number): Promise<Session[]>;
}
