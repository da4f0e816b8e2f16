// The contract suite every SessionStore passes (memory, SQLite, Redis): run it with a fixture factory.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Session } from './session.js';
import type { SessionStore } from './session-store.js';

/** Two stores over the same data, as two gateway instances (or two connections to one file) see it. */
export interface StoreFixture {
  readonly a: SessionStore;
  readonly b: SessionStore;
  close(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);
let seq = 0;

/** A session with distinct id and socket unless told otherwise. */
export function makeSession(over: Partial<Session> = {}): Session {
  seq++;
  return {
    id: `s${String(seq).padStart(6, '0')}`,
    account: 'acct-1',
    clientKey: `127.0.0.1:${10000 + seq}`,
    sticky: false,
    createdAtMs: T0,
    lastActivityMs: T0,
    expiresAtMs: T0 + 3_600_000,
    tokenId: `tok-${seq}`,
    permissions: { devices: ['SSN*.starfish.test'], methods: ['GET', 'PUT'], n: seq },
    ...over,
  };
}

export function sessionStoreContract(name: string, open: () => Promise<StoreFixture>): void {
  const withStore = (title: string, body: (f: StoreFixture) => Promise<void>): void => {
    test(title, async () => {
      const f = await open();
      try {
        await body(f);
      } finally {
        await f.close();
      }
    });
  };

  describe(`SessionStore contract: ${name}`, () => {
    withStore('put then get by id and by client key round-trips every field', async ({ a, b }) => {
      const s = makeSession({ sticky: true, clientKey: '[2001:db8::1]:5683', permissions: { x: [1, 'two', null] } });
      await a.put(s);
      assert.deepEqual(await a.getById(s.id), s);
      assert.deepEqual(await a.getByClientKey(s.clientKey), s);
      assert.deepEqual(await b.getById(s.id), s, 'the second instance sees it');
      assert.equal(await a.getById('nope'), undefined);
      assert.equal(await a.getByClientKey('127.0.0.1:1'), undefined);
    });

    withStore('put keeps one session per client key and upserts by id', async ({ a }) => {
      const s1 = makeSession();
      const s2 = makeSession({ clientKey: s1.clientKey, account: 'acct-2' });
      await a.put(s1);
      await a.put(s2);
      assert.equal(await a.getById(s1.id), undefined);
      assert.equal((await a.getByClientKey(s1.clientKey))?.id, s2.id);
      const moved = { ...s2, clientKey: '127.0.0.1:9' };
      await a.put(moved);
      assert.equal(await a.getByClientKey(s1.clientKey), undefined);
      assert.deepEqual(await a.getByClientKey('127.0.0.1:9'), moved);
      assert.equal(await a.count(), 1);
    });

    withStore('delete removes every index entry and reports whether it removed', async ({ a }) => {
      const s = makeSession();
      await a.put(s);
      assert.equal(await a.delete(s.id), true);
      assert.equal(await a.delete(s.id), false);
      assert.equal(await a.getByClientKey(s.clientKey), undefined);
      assert.equal(await a.countByAccount(s.account), 0);
      assert.deepEqual(await a.listByAccount(s.account), []);
      assert.equal(await a.count(), 0);
    });

    withStore('list and count by account, count and page over all', async ({ a }) => {
      const mine = [makeSession(), makeSession(), makeSession()];
      const other = makeSession({ account: 'acct-2' });
      for (const s of [...mine, other]) await a.put(s);
      assert.equal(await a.countByAccount('acct-1'), 3);
      assert.equal(await a.countByAccount('acct-2'), 1);
      assert.equal(await a.countByAccount('nobody'), 0);
      const listed = (await a.listByAccount('acct-1')).map((s) => s.id).sort();
      assert.deepEqual(listed, mine.map((s) => s.id).sort());
      assert.equal(await a.count(), 4);
      const all = [...mine, other].map((s) => s.id).sort();
      const p1 = await a.page(undefined, 3);
      assert.deepEqual(p1.map((s) => s.id), all.slice(0, 3));
      const p2 = await a.page(p1[2]?.id, 3);
      assert.deepEqual(p2.map((s) => s.id), all.slice(3));
      assert.deepEqual(await a.page(undefined, 0), []);
    });

    withStore('claim adds a session when under the limit', async ({ a }) => {
      const s = makeSession();
      const r = await a.claim(s, 2);
      assert.ok(r.ok);
      assert.deepEqual(r.value, { session: s, replaced: undefined, moved: undefined });
      assert.deepEqual(await a.getByClientKey(s.clientKey), s);
    });

    withStore('claim refuses at the limit and changes nothing', async ({ a }) => {
      const s1 = makeSession();
      const s2 = makeSession();
      assert.ok((await a.claim(s1, 2)).ok);
      assert.ok((await a.claim(s2, 2)).ok);
      const s3 = makeSession();
      const r = await a.claim(s3, 2);
      assert.deepEqual(r, { ok: false, error: { reason: 'limit', active: 2 } });
      assert.equal(await a.getById(s3.id), undefined);
      assert.equal(await a.countByAccount('acct-1'), 2);
      // another account is not affected by acct-1's limit
      assert.ok((await a.claim(makeSession({ account: 'acct-2' }), 2)).ok);
    });

    withStore('claim on a socket that has a session replaces it, even at the limit', async ({ a }) => {
      const s1 = makeSession();
      const s2 = makeSession();
      await a.claim(s1, 2);
      await a.claim(s2, 2);
      const again = makeSession({ clientKey: s1.clientKey, tokenId: 'tok-new' });
      const r = await a.claim(again, 2);
      assert.ok(r.ok);
      assert.deepEqual(r.value.replaced, s1);
      assert.equal(r.value.moved, undefined);
      assert.equal(await a.getById(s1.id), undefined);
      assert.deepEqual(await a.getByClientKey(s1.clientKey), again);
      assert.equal(await a.countByAccount('acct-1'), 2);
    });

    withStore("claim replaces another account's session on the socket, counted against the new account", async ({ a }) => {
      const theirs = makeSession({ account: 'acct-2' });
      await a.claim(theirs, 5);
      const mine = makeSession({ clientKey: theirs.clientKey });
      const r = await a.claim(mine, 5);
      assert.ok(r.ok);
      assert.deepEqual(r.value.replaced, theirs);
      assert.equal(await a.countByAccount('acct-2'), 0);
      assert.equal(await a.countByAccount('acct-1'), 1);
      // at the limit, taking over another account's socket is still a new session for this account
      const full = makeSession({ account: 'acct-3' });
      await a.claim(full, 1);
      const taker = makeSession({ account: 'acct-3', clientKey: mine.clientKey });
      assert.deepEqual(await a.claim(taker, 1), { ok: false, error: { reason: 'limit', active: 1 } });
      assert.deepEqual(await a.getByClientKey(mine.clientKey), mine);
    });

    withStore('a sticky claim moves the sticky session: same id and createdAt, new socket and token', async ({ a }) => {
      const sticky = makeSession({ sticky: true, createdAtMs: T0 - 5000 });
      const plain = makeSession();
      await a.claim(sticky, 2);
      await a.claim(plain, 2);
      const login = makeSession({ sticky: true, lastActivityMs: T0 + 60_000, tokenId: 'tok-moved' });
      const r = await a.claim(login, 2);
      assert.ok(r.ok, 'moving does not count against the limit');
      const expected = { ...login, id: sticky.id, createdAtMs: sticky.createdAtMs };
      assert.deepEqual(r.value.session, expected);
      assert.deepEqual(r.value.moved, sticky, 'the moved session as it was, with its old client key');
      assert.equal(r.value.replaced, undefined);
      assert.equal(await a.getByClientKey(sticky.clientKey), undefined);
      assert.deepEqual(await a.getByClientKey(login.clientKey), expected);
      assert.deepEqual(await a.getById(sticky.id), expected);
      assert.deepEqual(await a.getById(plain.id), plain);
      assert.equal(await a.countByAccount('acct-1'), 2);
    });

    withStore('a sticky claim with no sticky session adds one; a plain claim never moves', async ({ a }) => {
      const plain = makeSession();
      await a.claim(plain, 5);
      const sticky = makeSession({ sticky: true });
      const r1 = await a.claim(sticky, 5);
      assert.ok(r1.ok);
      assert.equal(r1.value.moved, undefined);
      const other = makeSession();
      const r2 = await a.claim(other, 5);
      assert.ok(r2.ok);
      assert.equal(r2.value.moved, undefined);
      assert.deepEqual(await a.getByClientKey(sticky.clientKey), sticky);
      assert.equal(await a.countByAccount('acct-1'), 3);
      // another account's sticky session never moves
      const foreign = makeSession({ account: 'acct-2', sticky: true });
      await a.claim(foreign, 5);
      const r3 = await a.claim(makeSession({ account: 'acct-3', sticky: true }), 5);
      assert.ok(r3.ok);
      assert.equal(r3.value.moved, undefined);
      assert.deepEqual(await a.getByClientKey(foreign.clientKey), foreign);
    });

    withStore('a sticky claim onto an occupied socket both replaces and moves', async ({ a }) => {
      const sticky = makeSession({ sticky: true });
      const occupant = makeSession();
      await a.claim(sticky, 2);
      await a.claim(occupant, 2);
      const login = makeSession({ sticky: true, clientKey: occupant.clientKey });
      const r = await a.claim(login, 2);
      assert.ok(r.ok);
      assert.deepEqual(r.value.replaced, occupant);
      assert.deepEqual(r.value.moved, sticky);
      assert.equal(r.value.session.id, sticky.id);
      assert.equal(await a.countByAccount('acct-1'), 1);
      assert.equal(await a.getByClientKey(sticky.clientKey), undefined);
    });

    withStore('a sticky re-login on the sticky socket replaces it (nothing to move)', async ({ a }) => {
      const sticky = makeSession({ sticky: true });
      await a.claim(sticky, 1);
      const again = makeSession({ sticky: true, clientKey: sticky.clientKey });
      const r = await a.claim(again, 1);
      assert.ok(r.ok);
      assert.deepEqual(r.value.replaced, sticky);
      assert.equal(r.value.moved, undefined);
      assert.deepEqual(await a.getByClientKey(sticky.clientKey), again);
    });

    withStore('touch raises lastActivity, never lowers it, and reports missing ids', async ({ a, b }) => {
      const s = makeSession();
      await a.put(s);
      assert.deepEqual(await a.touch([{ id: s.id, lastActivityMs: T0 + 500 }, { id: 'gone', lastActivityMs: T0 }]), ['gone']);
      assert.equal((await b.getById(s.id))?.lastActivityMs, T0 + 500);
      assert.deepEqual(await b.touch([{ id: s.id, lastActivityMs: T0 + 100 }]), []);
      assert.equal((await a.getByClientKey(s.clientKey))?.lastActivityMs, T0 + 500);
      assert.deepEqual(await a.touch([]), []);
    });

    withStore('expireIdle removes and returns exactly the sessions idle longer than idleMs', async ({ a }) => {
      const old = makeSession({ lastActivityMs: T0 });
      const edge = makeSession({ lastActivityMs: T0 + 1000 });
      const fresh = makeSession({ lastActivityMs: T0 + 5000 });
      for (const s of [old, edge, fresh]) await a.put(s);
      await a.touch([{ id: old.id, lastActivityMs: T0 + 1 }]);
      const out = await a.expireIdle(T0 + 11_000, 10_000);
      assert.deepEqual(out.map((s) => s.id), [old.id]);
      assert.equal(out[0]?.lastActivityMs, T0 + 1);
      assert.equal(await a.getByClientKey(old.clientKey), undefined);
      assert.equal(await a.countByAccount('acct-1'), 2);
      assert.deepEqual(await a.expireIdle(T0 + 11_000, 10_000), [], 'idle exactly idleMs is not yet idle longer');
      const later = await a.expireIdle(T0 + 11_001, 10_000);
      assert.deepEqual(later.map((s) => s.id), [edge.id]);
      assert.equal(await a.count(), 1);
    });

    withStore('two instances racing claims for one account never exceed its limit', async ({ a, b }) => {
      const limit = 10;
      const account = `racer-${seq}`;
      const logins = Array.from({ length: 40 }, () => makeSession({ account }));
      const results = await Promise.all(logins.map((s, i) => (i % 2 === 0 ? a : b).claim(s, limit)));
      assert.equal(results.filter((r) => r.ok).length, limit);
      assert.equal(await a.countByAccount(account), limit);
      assert.equal(await b.countByAccount(account), limit);
      for (const r of results) if (!r.ok) assert.equal(r.error.active, limit);
    });

    withStore('two instances racing sticky logins leave exactly one sticky session', async ({ a, b }) => {
      const logins = Array.from({ length: 20 }, () => makeSession({ account: 'sticky-racer', sticky: true }));
      const results = await Promise.all(logins.map((s, i) => (i % 2 === 0 ? a : b).claim(s, 3)));
      assert.ok(results.every((r) => r.ok), 'moves never hit the limit');
      const left = await a.listByAccount('sticky-racer');
      assert.equal(left.length, 1);
      assert.equal(left[0]?.sticky, true);
      const moves = results.filter((r) => r.ok && r.value.moved !== undefined).length;
      assert.equal(moves, logins.length - 1);
    });
  });
}
