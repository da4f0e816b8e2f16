// Memory session store: three Maps over mutable records; for tests and single-node use without persistence.
import { ok, err } from '../../base/index.js';
import type { Session } from '../session.js';
import type { ClaimResult, SessionActivity, SessionStore } from '../session-store.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Rec = Mutable<Session>;

/** Copies out, so no caller ever holds a record the store later changes. */
const copy = (r: Rec): Session => ({ ...r });

class MemorySessionStore implements SessionStore {
  private readonly byId = new Map<string, Rec>();
  private readonly byClient = new Map<string, Rec>();
  private readonly byAccount = new Map<string, Set<Rec>>();

  async getById(id: string): Promise<Session | undefined> {
    const r = this.byId.get(id);
    return r === undefined ? undefined : copy(r);
  }

  async getByClientKey(clientKey: string): Promise<Session | undefined> {
    const r = this.byClient.get(clientKey);
    return r === undefined ? undefined : copy(r);
  }

  async listByAccount(account: string): Promise<Session[]> {
    return [...(this.byAccount.get(account) ?? [])].map(copy);
  }

  async countByAccount(account: string): Promise<number> {
    return this.byAccount.get(account)?.size ?? 0;
  }

  async count(): Promise<number> {
    return this.byId.size;
  }

  // Sorts on every call: listings are for admin pages, not the request path.
  async page(afterId: string | undefined, limit: number): Promise<Session[]> {
    const ids: string[] = [];
    for (const id of this.byId.keys()) if (afterId === undefined || id > afterId) ids.push(id);
    ids.sort();
    return ids.slice(0, Math.max(0, limit)).map((id) => copy(this.byId.get(id) as Rec));
  }

  async put(session: Session): Promise<void> {
    this.unlink(session.id);
    const holder = this.byClient.get(session.clientKey);
    if (holder !== undefined) this.unlink(holder.id);
    this.link({ ...session });
  }

  async delete(id: string): Promise<boolean> {
    return this.unlink(id) !== undefined;
  }

  async touch(updates: readonly SessionActivity[]): Promise<string[]> {
    const missing: string[] = [];
    for (const u of updates) {
      const r = this.byId.get(u.id);
      if (r === undefined) missing.push(u.id);
      else if (u.lastActivityMs > r.lastActivityMs) r.lastActivityMs = u.lastActivityMs;
    }
    return missing;
  }

  // Atomic by construction: no await between reading and writing.
  async claim(session: Session, limit: number): Promise<ClaimResult> {
    const holder = this.byClient.get(session.clientKey);
    let sticky: Rec | undefined;
    if (session.sticky) {
      for (const r of this.byAccount.get(session.account) ?? []) {
        if (r.sticky && r !== holder) {
          sticky = r;
          break;
        }
      }
    }
    let active = this.byAccount.get(session.account)?.size ?? 0;
    if (holder !== undefined && holder.account === session.account) active--;
    if (sticky !== undefined) active--;
    if (active >= limit) return err({ reason: 'limit', active });

    const replaced = holder === undefined ? undefined : copy(holder);
    const moved = sticky === undefined ? undefined : copy(sticky);
    if (holder !== undefined) this.unlink(holder.id);
    if (sticky !== undefined) this.unlink(sticky.id);
    const rec: Rec =
      sticky === undefined ? { ...session } : { ...session, id: sticky.id, createdAtMs: sticky.createdAtMs };
    this.link(rec);
    return ok({ session: copy(rec), replaced, moved });
  }

  async expireIdle(nowMs: number, idleMs: number): Promise<Session[]> {
    const out: Session[] = [];
    for (const r of this.byId.values()) {
      if (nowMs - r.lastActivityMs > idleMs) out.push(copy(r));
    }
    for (const s of out) this.unlink(s.id);
    return out;
  }

  private link(r: Rec): void {
    this.byId.set(r.id, r);
    this.byClient.set(r.clientKey, r);
    let set = this.byAccount.get(r.account);
    if (set === undefined) {
      set = new Set();
      this.byAccount.set(r.account, set);
    }
    set.add(r);
  }

  private unlink(id: string): Rec | undefined {
    const r = this.byId.get(id);
    if (r === undefined) return undefined;
    this.byId.delete(id);
    if (this.byClient.get(r.clientKey) === r) this.byClient.delete(r.clientKey);
    const set = this.byAccount.get(r.account);
    if (set !== undefined) {
      set.delete(r);
      if (set.size === 0) this.byAccount.delete(r.account);
    }
    return r;
  }
}

/** A fresh, empty in-memory store. */
export function createMemoryStore(): SessionStore {
  return new MemorySessionStore();
}
