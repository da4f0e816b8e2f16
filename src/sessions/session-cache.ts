// SessionCache: the service's in-memory view by client key: sessions, unflushed activity, loads in flight.
import type { Session } from './session.js';

export class CacheEntry {
  /** Newest activity seen here; may be ahead of the store until the next flush. */
  lastActivityMs: number;
  /**
   * Monotonic time of the last read from the store (or of the login that put it here), in whole
   * milliseconds: a small integer needs no boxed double in each of thousands of entries.
   */
  checkedAtMs: number;

  constructor(
    public session: Session,
    checkedAtMs: number,
  ) {
    this.lastActivityMs = session.lastActivityMs;
    this.checkedAtMs = Math.floor(checkedAtMs);
  }
}

interface Load {
  readonly promise: Promise<Session | undefined>;
  stale: boolean;
}

export class SessionCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly dirty = new Set<CacheEntry>();
  private readonly loads = new Map<string, Load>();

  get size(): number {
    return this.entries.size;
  }

  get(clientKey: string): CacheEntry | undefined {
    return this.entries.get(clientKey);
  }

  values(): IterableIterator<CacheEntry> {
    return this.entries.values();
  }

  /** Records a session this service just wrote (login): it wins over any load in flight for the key. */
  set(session: Session, checkedAtMs: number): void {
    this.forget(session.clientKey);
    this.entries.set(session.clientKey, new CacheEntry(session, checkedAtMs));
  }

  /** Drops what is known about a client key, and makes a load in flight for it not count. */
  forget(clientKey: string): void {
    const e = this.entries.get(clientKey);
    if (e !== undefined) {
      this.entries.delete(clientKey);
      this.dirty.delete(e);
    }
    const l = this.loads.get(clientKey);
    if (l !== undefined) {
      l.stale = true;
      this.loads.delete(clientKey);
    }
  }

  /** Drops the entry only if it still holds that session (it may have been replaced meanwhile). */
  forgetSession(session: Session): void {
    if (this.entries.get(session.clientKey)?.session.id === session.id) this.forget(session.clientKey);
  }

  markActive(e: CacheEntry, atMs: number): void {
    if (atMs > e.lastActivityMs) e.lastActivityMs = atMs;
    this.dirty.add(e);
  }

  /** The entries with unflushed activity; they count as flushed from now on. */
  takeDirty(): CacheEntry[] {
    const out = [...this.dirty];
    this.dirty.clear();
    return out;
  }

  /** Puts back entries whose flush failed, unless they have left the cache meanwhile. */
  restoreDirty(entries: readonly CacheEntry[]): void {
    for (const e of entries) if (this.entries.get(e.session.clientKey) === e) this.dirty.add(e);
  }

  isDirty(e: CacheEntry): boolean {
    return this.dirty.has(e);
  }

  /**
   * Reads a client key through `fetch`, one read in flight per key. When a login or logout for the key
   * happens meanwhile, that decision wins and the read's answer is dropped.
   */
  load(clientKey: string, nowMs: number, fetch: () => Promise<Session | undefined>): Promise<Session | undefined> {
    const pending = this.loads.get(clientKey);
    if (pending !== undefined) return pending.promise;
    const done = (): void => {
      if (this.loads.get(clientKey) === load) this.loads.delete(clientKey);
    };
    const load: Load = {
      stale: false,
      promise: fetch().then(
        (s) => {
          done();
          if (load.stale) return this.entries.get(clientKey)?.session;
          this.apply(clientKey, s, nowMs);
          return s;
        },
        (e: unknown) => {
          done();
          throw e;
        },
      ),
    };
    this.loads.set(clientKey, load);
    return load.promise;
  }

  private apply(clientKey: string, s: Session | undefined, nowMs: number): void {
    const e = this.entries.get(clientKey);
    if (e !== undefined && s !== undefined && e.session.id === s.id) {
      e.session = s;
      e.checkedAtMs = Math.floor(nowMs);
      if (s.lastActivityMs > e.lastActivityMs) e.lastActivityMs = s.lastActivityMs;
      return;
    }
    if (e !== undefined) {
      this.entries.delete(clientKey);
      this.dirty.delete(e);
    }
    if (s !== undefined) {
      this.entries.set(clientKey, new CacheEntry(s, nowMs));
    }
  }
}
