// SQLite store: the contract over two connections on one file, restart survival, WAL, and a cross-thread race.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createSqliteStore, openSessionDatabase } from './sqlite-store.js';
import { makeSession, sessionStoreContract } from '../session-store.contract.js';

function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-sqlite-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

sessionStoreContract('sqlite (two connections on one file)', async () => {
  const { dir, remove } = tempDir();
  const file = join(dir, 'data', 'sessions.db');
  const dbA = openSessionDatabase(file);
  const dbB = openSessionDatabase(file);
  return {
    a: createSqliteStore(dbA),
    b: createSqliteStore(dbB),
    close: async () => {
      dbA.close();
      dbB.close();
      remove();
    },
  };
});

test('sqlite sessions survive close and reopen (a gateway restart)', async () => {
  const { dir, remove } = tempDir();
  try {
    const file = join(dir, 'sessions.db');
    const db1 = openSessionDatabase(file);
    const s = makeSession({ sticky: true, permissions: { devices: ['a', 'b'] } });
    assert.ok((await createSqliteStore(db1).claim(s, 10)).ok);
    await createSqliteStore(db1).touch([{ id: s.id, lastActivityMs: s.lastActivityMs + 42 }]);
    db1.close();
    const db2 = openSessionDatabase(file);
    try {
      const store = createSqliteStore(db2);
      assert.deepEqual(await store.getByClientKey(s.clientKey), { ...s, lastActivityMs: s.lastActivityMs + 42 });
      assert.equal(await store.count(), 1);
    } finally {
      db2.close();
    }
  } finally {
    remove();
  }
});

test('the session database runs in WAL mode with a busy timeout', () => {
  const { dir, remove } = tempDir();
  try {
    const db = openSessionDatabase(join(dir, 'x.db'), 1234);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('busy_timeout', { simple: true }), 1234);
    } finally {
      db.close();
    }
  } finally {
    remove();
  }
});

test('an unreadable stored row counts as absent instead of throwing', async () => {
  const { dir, remove } = tempDir();
  try {
    const db = openSessionDatabase(join(dir, 'x.db'));
    try {
      const store = createSqliteStore(db);
      const s = makeSession();
      await store.put(s);
      db.prepare('UPDATE sessions SET permissions = ? WHERE id = ?').run('{not json', s.id);
      assert.equal(await store.getById(s.id), undefined);
      assert.deepEqual(await store.listByAccount(s.account), []);
    } finally {
      db.close();
    }
  } finally {
    remove();
  }
});

test('four threads racing claims on one file never exceed the account limit', async () => {
  const { dir, remove } = tempDir();
  const file = join(dir, 'race.db');
  const setup = openSessionDatabase(file);
  createSqliteStore(setup);
  setup.close();
  const workers: Worker[] = [];
  try {
    const url = new URL('./sqlite-store.race-worker.ts', import.meta.url);
    // The worker is TypeScript too: it registers tsx before loading it, as the test runner does.
    const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); });`;
    for (let w = 0; w < 4; w++) {
      workers.push(
        new Worker(boot, { eval: true, workerData: { file, worker: w, account: 'racer', attempts: 300, limit: 10 } }),
      );
    }
    const nextMessage = (w: Worker): Promise<unknown> =>
      new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
    await Promise.all(workers.map(nextMessage));
    const done = workers.map(nextMessage);
    for (const w of workers) w.postMessage('go');
    const claimed = (await Promise.all(done)) as number[];
    assert.equal(claimed.reduce((x, y) => x + y, 0), 10);
    const db = openSessionDatabase(file);
    try {
      assert.equal(await createSqliteStore(db).countByAccount('racer'), 10);
    } finally {
      db.close();
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    remove();
  }
});
