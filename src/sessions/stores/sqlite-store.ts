// SQLite session store (better-sqlite3, WAL): the embedded default, persistent across gateway restarts.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ok, err } from '../../base/index.js';
import type { Session } from '../session.js';
import type { ClaimResult, SessionActivity, SessionStore } from '../session-store.js';

type Db = Database.Database;

interface Row {
  id: string;
  client_key: string;
  account: string;
  sticky: number;
  created_at: number;
  last_activity: number;
  expires_at: number;
  token_id: string;
  permissions: string;
}

const SCHEMA_VERSION = 1;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  client_key TEXT NOT NULL UNIQUE,
  account TEXT NOT NULL,
  sticky INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_activity INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  token_id TEXT NOT NULL,
  permissions TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_account ON sessions (account, sticky);
CREATE INDEX IF NOT EXISTS sessions_by_activity ON sessions (last_activity);
`;

/** A row read back is input like any other: an unreadable one counts as absent. */
function toSession(row: Row | undefined): Session | undefined {
  if (row === undefined) return undefined;
  let permissions: unknown;
  try {
    permissions = JSON.parse(row.permissions);
  } catch {
    return undefined;
  }
  return {
    id: row.id,
    account: row.account,
    clientKey: row.client_key,
    sticky: row.sticky === 1,
    createdAtMs: row.created_at,
    lastActivityMs: row.last_activity,
    expiresAtMs: row.expires_at,
    tokenId: row.token_id,
    permissions,
  };
}

function toSessions(rows: Row[]): Session[] {
  const out: Session[] = [];
  for (const row of rows) {
    const s = toSession(row);
    if (s !== undefined) out.push(s);
  }
  return out;
}

function toParams(s: Session): unknown[] {
  return [
    s.id,
    s.clientKey,
    s.account,
    s.sticky ? 1 : 0,
    s.createdAtMs,
    s.lastActivityMs,
    s.expiresAtMs,
    s.tokenId,
    JSON.stringify(s.permissions) ?? 'null',
  ];
}

class SqliteSessionStore implements SessionStore {
  private readonly byId;
  private readonly byClient;
  private readonly byAccount;
  private readonly countAccount;
  private readonly countAll;
  private readonly pageAfter;
  private readonly stickyOf;
  private readonly insert;
  private readonly deleteId;
  private readonly deleteIdOrClient;
  private readonly raiseActivity;
  private readonly deleteIdle;
  private readonly claimTx;
  private readonly putTx;
  private readonly touchTx;

  constructor(db: Db) {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    this.byId = db.prepare<[string], Row>('SELECT * FROM sessions WHERE id = ?');
    this.byClient = db.prepare<[string], Row>('SELECT * FROM sessions WHERE client_key = ?');
    this.byAccount = db.prepare<[string], Row>('SELECT * FROM sessions WHERE account = ?');
    this.countAccount = db.prepare<[string], number>('SELECT count(*) FROM sessions WHERE account = ?').pluck();
    this.countAll = db.prepare<[], number>('SELECT count(*) FROM sessions').pluck();
    this.pageAfter = db.prepare<[string, number], Row>('SELECT * FROM sessions WHERE id > ? ORDER BY id LIMIT ?');
    this.stickyOf = db.prepare<[string, string], Row>(
      'SELECT * FROM sessions WHERE account = ? AND sticky = 1 AND client_key <> ? LIMIT 1',
    );
    this.insert = db.prepare<unknown[]>(
      `INSERT INTO sessions (id, client_key, account, sticky, created_at, last_activity, expires_at, token_id,
        permissions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteId = db.prepare<[string]>('DELETE FROM sessions WHERE id = ?');
    this.deleteIdOrClient = db.prepare<[string, string]>('DELETE FROM sessions WHERE id = ? OR client_key = ?');
    this.raiseActivity = db.prepare<[number, string]>(
      'UPDATE sessions SET last_activity = max(last_activity, ?) WHERE id = ?',
    );
    this.deleteIdle = db.prepare<[number], Row>('DELETE FROM sessions WHERE last_activity < ? RETURNING *');

    // BEGIN IMMEDIATE takes the write lock first, so claims from several connections (gateway
    // processes on one file) run one after the other; busy_timeout makes the others wait.
    this.claimTx = db.transaction((session: Session, limit: number): ClaimResult => {
      const holder = this.byClient.get(session.clientKey);
      const sticky = session.sticky ? this.stickyOf.get(session.account, session.clientKey) : undefined;
      let active = this.countAccount.get(session.account) ?? 0;
      if (holder !== undefined && holder.account === session.account) active--;
      if (sticky !== undefined) active--;
      if (active >= limit) return err({ reason: 'limit', active });
      if (holder !== undefined) this.deleteId.run(holder.id);
      if (sticky !== undefined) this.deleteId.run(sticky.id);
      const stored: Session =
        sticky === undefined ? session : { ...session, id: sticky.id, createdAtMs: sticky.created_at };
      this.insert.run(...toParams(stored));
      return ok({ session: stored, replaced: toSession(holder), moved: toSession(sticky) });
    });
    this.putTx = db.transaction((session: Session) => {
      this.deleteIdOrClient.run(session.id, session.clientKey);
      this.insert.run(...toParams(session));
    });
    this.touchTx = db.transaction((updates: readonly SessionActivity[]): string[] => {
      const missing: string[] = [];
      for (const u of updates) {
        if (this.raiseActivity.run(u.lastActivityMs, u.id).changes === 0) missing.push(u.id);
      }
      return missing;
    });
  }

  async getById(id: string): Promise<Session | undefined> {
    return toSession(this.byId.get(id));
  }

  async getByClientKey(clientKey: string): Promise<Session | undefined> {
    return toSession(this.byClient.get(clientKey));
  }

  async listByAccount(account: string): Promise<Session[]> {
    return toSessions(this.byAccount.all(account));
  }

  async countByAccount(account: string): Promise<number> {
    return this.countAccount.get(account) ?? 0;
  }

  async count(): Promise<number> {
    return this.countAll.get() ?? 0;
  }

  async page(afterId: string | undefined, limit: number): Promise<Session[]> {
    return toSessions(this.pageAfter.all(afterId ?? '', Math.max(0, limit)));
  }

  async put(session: Session): Promise<void> {
    this.putTx.immediate(session);
  }

  async delete(id: string): Promise<boolean> {
    return this.deleteId.run(id).changes > 0;
  }

  async touch(updates: readonly SessionActivity[]): Promise<string[]> {
    return updates.length === 0 ? [] : this.touchTx.immediate(updates);
  }

  async claim(session: Session, limit: number): Promise<ClaimResult> {
    return this.claimTx.immediate(session, limit);
  }

  async expireIdle(nowMs: number, idleMs: number): Promise<Session[]> {
    // nowMs - last > idleMs  <=>  last < nowMs - idleMs
    return toSessions(this.deleteIdle.all(nowMs - idleMs));
  }
}

/** A store over an open database (creates its table if needed). The caller owns and closes `db`. */
export function createSqliteStore(db: Db): SessionStore {
  return new SqliteSessionStore(db);
}

/** Opens (creating the folder and file if needed) a session database in WAL mode. */
export function openSessionDatabase(file: string, busyTimeoutMs = 5000): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: durable across process crashes; an OS crash may lose the last few writes.
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  return db;
}
