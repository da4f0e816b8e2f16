// Redis session store (ioredis): shared by several gateway instances; every multi-key step is one Lua script.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ok, err } from '../../base/index.js';
import { type Session, SESSION_FIELDS, sessionFromPairs, sessionToRecord } from '../session.js';
import type { ClaimResult, SessionActivity, SessionStore } from '../session-store.js';
import * as lua from './redis-scripts.js';

/** Sessions expired per script run: keeps each run short, since a Lua script blocks Redis. */
const EXPIRE_BATCH = 500;

interface Script {
  readonly source: string;
  readonly sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });

const SCRIPTS = {
  claim: script(lua.CLAIM),
  put: script(lua.PUT),
  delete: script(lua.DELETE),
  touch: script(lua.TOUCH),
  expireIdle: script(lua.EXPIRE_IDLE),
  getByClient: script(lua.GET_BY_CLIENT),
  listAccount: script(lua.LIST_ACCOUNT),
  page: script(lua.PAGE),
};

function toSession(reply: unknown): Session | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined;
  const r = sessionFromPairs(reply);
  return r.ok ? r.value : undefined;
}

function toSessions(reply: unknown): Session[] {
  const out: Session[] = [];
  if (!Array.isArray(reply)) return out;
  for (const item of reply) {
    const s = toSession(item);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** The session as ARGV values in SESSION_FIELDS order; throws (a rejected promise) on non-JSON permissions. */
function toArgs(s: Session): string[] {
  const r = sessionToRecord(s);
  if (!r.ok) throw new TypeError(r.error);
  return SESSION_FIELDS.map((f) => r.value[f]);
}

class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async getById(id: string): Promise<Session | undefined> {
    return toSession(await this.redis.hgetall(`${this.prefix}s:${id}`).then(flatten));
  }

  async getByClientKey(clientKey: string): Promise<Session | undefined> {
    return toSession(await this.run(SCRIPTS.getByClient, clientKey));
  }

  async listByAccount(account: string): Promise<Session[]> {
    return toSessions(await this.run(SCRIPTS.listAccount, account));
  }

  async countByAccount(account: string): Promise<number> {
    return this.redis.scard(`${this.prefix}a:${account}`);
  }

  async count(): Promise<number> {
    return this.redis.zcard(`${this.prefix}ids`);
  }

  async page(afterId: string | undefined, limit: number): Promise<Session[]> {
    if (limit <= 0) return [];
    return toSessions(await this.run(SCRIPTS.page, afterId ?? '', String(Math.floor(limit))));
  }

  async put(session: Session): Promise<void> {
    await this.run(SCRIPTS.put, ...toArgs(session));
  }

  async delete(id: string): Promise<boolean> {
    return (await this.run(SCRIPTS.delete, id)) === 1;
  }

  async touch(updates: readonly SessionActivity[]): Promise<string[]> {
    if (updates.length === 0) return [];
    const args: string[] = [];
    for (const u of updates) args.push(u.id, String(u.lastActivityMs));
    const reply = await this.run(SCRIPTS.touch, ...args);
    return Array.isArray(reply) ? reply.filter((x): x is string => typeof x === 'string') : [];
  }

  async claim(session: Session, limit: number): Promise<ClaimResult> {
    const reply = await this.run(SCRIPTS.claim, String(limit), ...toArgs(session));
    if (!Array.isArray(reply)) throw new Error('session claim: unexpected reply from Redis');
    if (reply[0] === 'limit') return err({ reason: 'limit', active: Number(reply[1]) });
    const [, id, createdAtMs, replaced, moved] = reply as [string, unknown, unknown, unknown, unknown];
    if (typeof id !== 'string' || typeof createdAtMs !== 'string') {
      throw new Error('session claim: unexpected reply from Redis');
    }
    return ok({
      session: id === session.id ? session : { ...session, id, createdAtMs: Number(createdAtMs) },
      replaced: toSession(replaced),
      moved: toSession(moved),
    });
  }

  async expireIdle(nowMs: number, idleMs: number): Promise<Session[]> {
    const out: Session[] = [];
    for (;;) {
      const reply = await this.run(SCRIPTS.expireIdle, String(nowMs - idleMs), String(EXPIRE_BATCH));
      const batch = Array.isArray(reply) ? reply : [];
      out.push(...toSessions(batch));
      if (batch.length < EXPIRE_BATCH) return out;
    }
  }

  // EVALSHA first; after a Redis restart or SCRIPT FLUSH the script is sent once more in full.
  private async run(s: Script, ...args: string[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(s.sha, 0, this.prefix, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return this.redis.eval(s.source, 0, this.prefix, ...args);
    }
  }
}

/** HGETALL's object form back to the flat pairs the decoder reads. */
function flatten(h: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(h)) out.push(k, v);
  return out;
}

/**
 * A store over a connected ioredis client (the caller owns and quits it). `prefix` namespaces every key,
 * e.g. "coap-gateway:sessions:"; instances that share sessions use the same prefix.
 */
export function createRedisStore(redis: Redis, prefix: string): SessionStore {
  return new RedisSessionStore(redis, prefix);
}
