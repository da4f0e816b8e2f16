// SessionService: login/logout/lookup/touch policy over a SessionStore, with a hot-path cache and one idle sweep timer.
import { type Clock, type Random, type Result, type TimerHandle, err } from '../base/index.js';
import { type Logger, silentLogger } from '../telemetry/index.js';
import type { Session } from './session.js';
import type { Claimed, SessionStore } from './session-store.js';
import { SessionCache } from './session-cache.js';
import { SharedValues } from './shared-values.js';
import { type CloseReason, sessionClosedChannel, sessionOpenedChannel } from './session-events.js';

const HOUR_MS = 3_600_000;
const MIN_TICK_MS = 50;
const FLUSH_BATCH = 1000;

export interface SessionServiceOptions {
  readonly store: SessionStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger?: Logger;
  /** SPEC §3.2 maxSessionIdleTime: default 4 h. */
  readonly maxIdleMs?: number;
  /** An idle session is closed at the latest this long after maxIdleMs: default 15 min. */
  readonly graceMs?: number;
  /** Upper bound of the sweep period (default 60 s); the service also keeps it <= graceMs / 4. */
  readonly sweepIntervalMs?: number;
  /** How long a cached session is trusted before it is read again from the (shared) store: default 10 s. */
  readonly cacheTtlMs?: number;
  /**
   * Close a session when its token expires (reason 'expired'). Default false: issue #5 says token expiry
   * does not end a session, the seed ties sessions to idleness.
   */
  readonly closeOnTokenExpiry?: boolean;
  /** Called once per session that ends at its socket, so the gateway can send 5.03 and cancel observations. */
  readonly onClosed?: (session: Session, reason: CloseReason) => void;
}

export interface LoginRequest {
  readonly account: string;
  readonly clientKey: string;
  readonly sticky: boolean;
  /** The account's concurrent session limit (SPEC §3.2: default 10). */
  readonly limit: number;
  readonly tokenExpiresAtMs: number;
  readonly tokenId: string;
  /** A JSON value, kept opaque. */
  readonly permissions: unknown;
}

export type LoginFailure =
  /** The account is at its limit: the gateway answers 4.29 (RFC 8516). */
  | { readonly kind: 'limit'; readonly limit: number; readonly active: number }
  | { readonly kind: 'invalid'; readonly message: string }
  /** The store failed (e.g. Redis down): the gateway answers 5.03. */
  | { readonly kind: 'unavailable'; readonly message: string };

export type LoginResult = Result<Claimed, LoginFailure>;

/** Thrown (rejected) by `lookup` when the store cannot be read and the session is not cached. */
export class SessionStoreUnavailableError extends Error {
  readonly code = 'SESSION_STORE_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`session store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'SessionStoreUnavailableError';
  }
}

export interface SessionService {
  login(request: LoginRequest): Promise<LoginResult>;
  /** Closes the caller's session; false when there is none or it cannot be closed (4.12). */
  logout(clientKey: string): Promise<boolean>;
  /** The live session on a socket; undefined for unknown or closed ones. lastActivityMs may lag. */
  lookup(clientKey: string): Promise<Session | undefined>;
  /**
   * What lookup() would answer, synchronously, when the hot-path cache holds a fresh answer for the
   * socket (no promise per request); null when the store must be asked (then call lookup()).
   */
  lookupCached(clientKey: string): Session | undefined | null;
  /** Records traffic either way on a socket; cheap: written to the store in batches each sweep. */
  touch(clientKey: string): void;
  /** Flushes activity and closes idle sessions now (the timer does this every sweep period). */
  sweep(): Promise<void>;
  /** Stops the timer and flushes activity; the store stays open (its owner closes it). */
  close(): Promise<void>;
  /** Sessions held in the hot-path cache. */
  readonly cachedCount: number;
}

class DefaultSessionService implements SessionService {
  private readonly store: SessionStore;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  private readonly maxIdleMs: number;
  private readonly tickMs: number;
  private readonly cacheTtlMs: number;
  private readonly closeOnTokenExpiry: boolean;
  private readonly onClosed: ((session: Session, reason: CloseReason) => void) | undefined;
  private readonly cache = new SessionCache();
  private readonly shared = new SharedValues();
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(o: SessionServiceOptions) {
    this.store = o.store;
    this.clock = o.clock;
    this.random = o.random;
    this.logger = o.logger ?? silentLogger;
    this.maxIdleMs = o.maxIdleMs ?? 4 * HOUR_MS;
    const graceMs = o.graceMs ?? HOUR_MS / 4;
    this.tickMs = Math.max(MIN_TICK_MS, Math.min(o.sweepIntervalMs ?? 60_000, Math.floor(graceMs / 4)));
    this.cacheTtlMs = o.cacheTtlMs ?? 10_000;
    this.closeOnTokenExpiry = o.closeOnTokenExpiry ?? false;
    this.onClosed = o.onClosed;
    this.arm();
  }

  get cachedCount(): number {
    return this.cache.size;
  }

  async login(req: LoginRequest): Promise<LoginResult> {
    if (req.account === '' || req.clientKey === '') return err({ kind: 'invalid', message: 'empty account or client key' });
    let json: string | undefined;
    try {
      json = JSON.stringify(req.permissions);
      if (json === undefined) throw new TypeError('not a JSON value');
    } catch (e) {
      return err({ kind: 'invalid', message: `permissions: ${(e as Error).message}` });
    }
    const nowMs = this.clock.wallNow();
    // Logins with one token repeat account, token id and permissions: one shared copy of each.
    const session: Session = {
      id: this.random.bytes(16).toString('base64url'),
      account: this.shared.string(req.account),
      clientKey: req.clientKey,
      sticky: req.sticky,
      createdAtMs: nowMs,
      lastActivityMs: nowMs,
      expiresAtMs: req.tokenExpiresAtMs,
      tokenId: this.shared.string(req.tokenId),
      permissions: this.shared.value(json),
    };
    let r;
    try {
      r = await this.store.claim(session, req.limit);
    } catch (e) {
      this.logger.warn({ err: String(e), account: req.account }, 'session store failed at login');
      return err({ kind: 'unavailable', message: 'session store unavailable' });
    }
    if (!r.ok) return err({ kind: 'limit', limit: req.limit, active: r.error.active });
    const { replaced, moved } = r.value;
    if (moved !== undefined) this.cache.forget(moved.clientKey);
    const stored = r.value.session;
    this.cache.set(stored === session ? session : this.share(stored), this.clock.now());
    if (replaced !== undefined) this.ended(replaced, 'replaced');
    if (moved !== undefined) this.ended(moved, 'moved');
    sessionOpenedChannel.publish({
      account: req.account,
      clientKey: req.clientKey,
      sticky: req.sticky,
      replaced: replaced !== undefined,
      moved: moved !== undefined,
    });
    return r;
  }

  async logout(clientKey: string): Promise<boolean> {
    let s: Session | undefined;
    try {
      s = await this.lookup(clientKey);
    } catch {
      return false;
    }
    if (s === undefined) return false;
    let deleted: boolean;
    try {
      deleted = await this.store.delete(s.id);
    } catch (e) {
      this.logger.warn({ err: String(e), clientKey }, 'session store failed at logout');
      return false;
    }
    this.cache.forgetSession(s);
    if (deleted) this.ended(s, 'logout');
    return deleted;
  }

  async lookup(clientKey: string): Promise<Session | undefined> {
    const cached = this.lookupCached(clientKey);
    if (cached !== null) return cached;
    const nowMs = this.clock.now();
    let s: Session | undefined;
    try {
      s = await this.cache.load(clientKey, nowMs, () => this.store.getByClientKey(clientKey).then((got) => got && this.share(got)));
    } catch (cause) {
      // A dead store must not log everyone out: serve what is cached until it is back.
      const stale = this.cache.get(clientKey);
      if (stale !== undefined) return this.live(stale.session);
      throw new SessionStoreUnavailableError(cause);
    }
    return s === undefined ? undefined : this.live(s);
  }

  lookupCached(clientKey: string): Session | undefined | null {
    const e = this.cache.get(clientKey);
    if (e === undefined || this.clock.now() - e.checkedAtMs > this.cacheTtlMs) return null;
    return this.live(e.session);
  }

  touch(clientKey: string): void {
    const e = this.cache.get(clientKey);
    if (e !== undefined) {
      this.cache.markActive(e, this.clock.wallNow());
      return;
    }
    // Not cached (e.g. after a restart, or a notification to a quiet client): read it, then mark it.
    const atMs = this.clock.wallNow();
    this.lookup(clientKey).then(
      () => {
        const loaded = this.cache.get(clientKey);
        if (loaded !== undefined) this.cache.markActive(loaded, atMs);
      },
      () => undefined,
    );
  }

  async sweep(): Promise<void> {
    if (this.running !== undefined) return this.running;
    this.running = this.sweepOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.running !== undefined) await this.running;
    await this.flush();
  }

  /** A session read from the store, with the shared copies of its repeated fields (it stays in the cache). */
  private share(s: Session): Session {
    let permissions = s.permissions;
    // A frozen value is one of ours already (or immutable anyway); parsed JSON gets its shared twin.
    if (typeof permissions === 'object' && permissions !== null && !Object.isFrozen(permissions)) {
      const json = JSON.stringify(permissions);
      if (json !== undefined) permissions = this.shared.value(json);
    }
    return { ...s, account: this.shared.string(s.account), tokenId: this.shared.string(s.tokenId), permissions };
  }

  /** undefined for a session whose token has expired, when that closes sessions; it is closed then. */
  private live(s: Session): Session | undefined {
    if (!this.closeOnTokenExpiry || s.expiresAtMs > this.clock.wallNow()) return s;
    this.cache.forgetSession(s);
    this.store.delete(s.id).then(
      (deleted) => {
        if (deleted) this.ended(s, 'expired');
      },
      (e: unknown) => this.logger.warn({ err: String(e), clientKey: s.clientKey }, 'could not close expired session'),
    );
    return undefined;
  }

  private async sweepOnce(): Promise<void> {
    await this.flush();
    // Another instance's activity may reach the store up to two periods late: wait that long extra, so no
    // session is closed before maxIdleMs, and none later than 3 periods (<= 3/4 grace) after it.
    const slackMs = 2 * this.tickMs;
    let expired: Session[] = [];
    let storeUp = true;
    try {
      expired = await this.store.expireIdle(this.clock.wallNow(), this.maxIdleMs + slackMs);
    } catch (e) {
      storeUp = false;
      this.logger.warn({ err: String(e) }, 'session store failed at idle sweep');
    }
    for (const s of expired) {
      this.cache.forgetSession(s);
      this.ended(s, 'idle');
    }
    const nowMs = this.clock.now();
    for (const e of [...this.cache.values()]) {
      if (this.live(e.session) === undefined) continue;
      // Entries not read for a while would be read again anyway: drop them to bound the cache, but
      // not while the store is down, when the cache is all that keeps clients logged in.
      if (storeUp && nowMs - e.checkedAtMs > this.cacheTtlMs && !this.cache.isDirty(e)) {
        this.cache.forget(e.session.clientKey);
      }
    }
  }

  private async flush(): Promise<void> {
    const dirty = this.cache.takeDirty();
    for (let i = 0; i < dirty.length; i += FLUSH_BATCH) {
      const batch = dirty.slice(i, i + FLUSH_BATCH);
      let missing: string[];
      try {
        missing = await this.store.touch(batch.map((e) => ({ id: e.session.id, lastActivityMs: e.lastActivityMs })));
      } catch (e) {
        this.logger.warn({ err: String(e), sessions: dirty.length - i }, 'session store failed at activity flush');
        this.cache.restoreDirty(dirty.slice(i));
        return;
      }
      // Gone from the store: closed by another instance; the next lookup reads the truth.
      const gone = new Set(missing);
      for (const e of batch) if (gone.has(e.session.id)) this.cache.forgetSession(e.session);
    }
  }

  private arm(): void {
    if (this.closed) return;
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.sweep().then(
        () => this.arm(),
        (e: unknown) => {
          this.logger.error({ err: String(e) }, 'session sweep failed');
          this.arm();
        },
      );
    }, this.tickMs);
  }

  private ended(s: Session, reason: CloseReason): void {
    sessionClosedChannel.publish({ account: s.account, clientKey: s.clientKey, reason });
    if (this.onClosed === undefined) return;
    try {
      this.onClosed(s, reason);
    } catch (e) {
      this.logger.error({ err: String(e), reason }, 'onClosed callback threw');
    }
  }
}

/** A running service: its sweep timer starts now; call close() to stop it. */
export function createSessionService(options: SessionServiceOptions): SessionService {
  return new DefaultSessionService(options);
}
