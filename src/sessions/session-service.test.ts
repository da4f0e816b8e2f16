// SessionService on a FakeClock: limit, replace, sticky move, idle + grace, token expiry, logout, batching, outages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../base/index.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { createMemoryStore } from './stores/memory-store.js';
import type { SessionStore } from './session-store.js';
import type { Session } from './session.js';
import { type LoginRequest, type SessionServiceOptions, createSessionService } from './session-service.js';
import { type SessionOpenedEvent, type CloseReason, sessionOpenedChannel } from './session-events.js';

const SEC = 1000;
const K1 = '127.0.0.1:12345';
const K2 = '127.0.0.1:23456';
const K3 = '[::1]:5683';

function setup(over: Partial<SessionServiceOptions> = {}) {
  const clock = new FakeClock();
  const store = over.store ?? createMemoryStore();
  const closed: Array<[string, CloseReason]> = [];
  const service = createSessionService({
    store,
    clock,
    random: seededRandom(7),
    maxIdleMs: 10 * SEC,
    graceMs: 4 * SEC,
    onClosed: (s, reason) => closed.push([s.clientKey, reason]),
    ...over,
  });
  const login = (clientKey: string, more: Partial<LoginRequest> = {}) =>
    service.login({
      account: 'acct-1',
      clientKey,
      sticky: false,
      limit: 10,
      tokenExpiresAtMs: clock.wallNow() + 3600 * SEC,
      tokenId: 'tok',
      permissions: { devices: ['SSN*'] },
      ...more,
    });
  /** Closes the service and checks it left no timer behind. */
  const finish = async () => {
    await service.close();
    assert.equal(clock.pendingTimers, 0, 'no timer left after close');
  };
  return { clock, store, service, closed, login, finish };
}

/** A store whose calls can be counted and made to fail. */
function instrumented(inner: SessionStore) {
  const calls: Record<string, number> = {};
  let failing = false;
  const store = new Proxy(inner, {
    get(target, prop: string) {
      const fn = (target as unknown as Record<string, unknown>)[prop];
      if (typeof fn !== 'function') return fn;
      return (...args: unknown[]) => {
        calls[prop] = (calls[prop] ?? 0) + 1;
        if (failing) return Promise.reject(new Error('store down'));
        return (fn as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls, setFailing: (f: boolean) => (failing = f) };
}

test('login creates a session bound to the socket; lookup finds it', async () => {
  const { clock, service, login, finish } = setup();
  const events: SessionOpenedEvent[] = [];
  const unsubscribe = sessionOpenedChannel.subscribe((e) => events.push(e));
  try {
    const r = await login(K1, { sticky: true });
    assert.ok(r.ok);
    const s = r.value.session;
    assert.equal(s.clientKey, K1);
    assert.equal(s.account, 'acct-1');
    assert.equal(s.createdAtMs, clock.wallNow());
    assert.equal(s.id.length, 22, '16 random bytes, base64url');
    assert.deepEqual(await service.lookup(K1), s);
    assert.equal(await service.lookup(K2), undefined);
    assert.deepEqual(events, [{ account: 'acct-1', clientKey: K1, sticky: true, replaced: false, moved: false }]);
  } finally {
    unsubscribe();
    await finish();
  }
});

test('the login after the limit is refused with kind limit (the gateway answers 4.29)', async () => {
  const { service, login, finish, store } = setup();
  assert.ok((await login(K1, { limit: 2 })).ok);
  assert.ok((await login(K2, { limit: 2 })).ok);
  const r = await login(K3, { limit: 2 });
  assert.deepEqual(r, { ok: false, error: { kind: 'limit', limit: 2, active: 2 } });
  assert.equal(await service.lookup(K3), undefined);
  assert.equal(await store.count(), 2);
  // the same socket logging in again replaces instead of counting
  assert.ok((await login(K2, { limit: 2 })).ok);
  await finish();
});

test('a login on a socket with a session replaces it and reports "replaced"', async () => {
  const { service, login, closed, finish } = setup();
  const first = await login(K1);
  const second = await login(K1, { account: 'acct-2' });
  assert.ok(first.ok && second.ok);
  assert.notEqual(second.value.session.id, first.value.session.id);
  assert.equal(second.value.replaced?.id, first.value.session.id);
  assert.deepEqual(closed, [[K1, 'replaced']]);
  assert.equal((await service.lookup(K1))?.account, 'acct-2');
  await finish();
});

test('a sticky login moves the sticky session to the new socket and reports "moved"', async () => {
  const { service, login, closed, finish, store } = setup();
  const first = await login(K1, { sticky: true });
  await login(K3);
  const second = await login(K2, { sticky: true, tokenId: 'tok-2' });
  assert.ok(first.ok && second.ok);
  assert.equal(second.value.session.id, first.value.session.id, 'the same session, moved');
  assert.equal(second.value.moved?.clientKey, K1, 'old socket, so observations can follow');
  assert.deepEqual(closed, [[K1, 'moved']]);
  assert.equal(await service.lookup(K1), undefined);
  assert.equal((await service.lookup(K2))?.tokenId, 'tok-2');
  assert.equal(await store.count(), 2);
  await finish();
});

test('an idle session is closed after maxIdle, at the latest grace later, with reason "idle"', async () => {
  const { clock, service, login, closed, finish } = setup();
  await login(K1);
  await clock.advanceAsync(10 * SEC);
  assert.deepEqual(closed, [], 'not before maxIdle');
  assert.ok(await service.lookup(K1));
  let closedAt = -1;
  for (let t = 0; t < 4 * SEC && closedAt < 0; t += 100) {
    await clock.advanceAsync(100);
    if (closed.length > 0) closedAt = clock.now();
  }
  assert.ok(closedAt > 10 * SEC && closedAt <= 14 * SEC, `closed at ${closedAt} ms`);
  assert.deepEqual(closed, [[K1, 'idle']]);
  assert.equal(await service.lookup(K1), undefined);
  await finish();
});

test('traffic keeps a session open; the idle time counts from the last touch', async () => {
  const { clock, service, login, closed, finish } = setup();
  await login(K1);
  for (let i = 0; i < 20; i++) {
    await clock.advanceAsync(3 * SEC);
    service.touch(K1);
  }
  const lastTouch = clock.now();
  assert.deepEqual(closed, []);
  await clock.advanceAsync(10 * SEC);
  assert.deepEqual(closed, [], 'not before maxIdle after the last touch');
  await clock.advanceAsync(4 * SEC);
  assert.deepEqual(closed, [[K1, 'idle']]);
  assert.ok(clock.now() - lastTouch <= 14 * SEC);
  await finish();
});

test('touch is batched: store writes once per sweep, not once per request', async () => {
  const { store, calls } = instrumented(createMemoryStore());
  const { clock, service, login, finish } = setup({ store });
  const r = await login(K1);
  assert.ok(r.ok);
  await clock.advanceAsync(500);
  for (let i = 0; i < 1000; i++) service.touch(K1);
  assert.equal(calls.touch ?? 0, 0, 'no store write on the request path');
  await clock.advanceAsync(1 * SEC);
  assert.equal(calls.touch, 1);
  assert.equal((await store.getById(r.value.session.id))?.lastActivityMs, clock.wallNow() - 1 * SEC);
  assert.equal(calls.getByClientKey ?? 0, 0, 'the hot path is served from the cache');
  await finish();
});

test('token expiry does not end a session by default (issue #5)', async () => {
  const { clock, service, login, closed, finish } = setup({ maxIdleMs: 3600 * SEC, graceMs: 60 * SEC });
  await login(K1, { tokenExpiresAtMs: clock.wallNow() + 5 * SEC });
  await clock.advanceAsync(6 * SEC);
  assert.ok(await service.lookup(K1));
  assert.deepEqual(closed, []);
  await finish();
});

test('with closeOnTokenExpiry, an expired-token session is closed with reason "expired"', async () => {
  const { clock, service, login, closed, finish, store } = setup({ closeOnTokenExpiry: true, maxIdleMs: 3600 * SEC });
  await login(K1, { tokenExpiresAtMs: clock.wallNow() + 5 * SEC });
  await login(K2, { tokenExpiresAtMs: clock.wallNow() + 50 * SEC });
  assert.ok(await service.lookup(K1));
  await clock.advanceAsync(5 * SEC);
  assert.equal(await service.lookup(K1), undefined);
  await clock.advanceAsync(100);
  assert.deepEqual(closed, [[K1, 'expired']]);
  assert.equal(await store.count(), 1);
  assert.ok(await service.lookup(K2));
  await finish();
});

test('logout closes the caller\'s session once; unknown or repeated logout gives false (4.12)', async () => {
  const { service, login, closed, finish } = setup();
  assert.equal(await service.logout(K1), false);
  await login(K1);
  assert.equal(await service.logout(K1), true);
  assert.deepEqual(closed, [[K1, 'logout']]);
  assert.equal(await service.logout(K1), false);
  assert.equal(await service.lookup(K1), undefined);
  await finish();
});

test('a restarted service finds persisted sessions, and touch works on a cold cache', async () => {
  const store = createMemoryStore();
  const first = setup({ store });
  const r = await first.login(K1);
  assert.ok(r.ok);
  await first.finish();
  const second = setup({ store });
  second.clock.advance(2 * SEC);
  second.service.touch(K1);
  await second.clock.advanceAsync(1 * SEC);
  assert.equal(second.service.cachedCount, 1);
  assert.equal((await store.getById(r.value.session.id))?.lastActivityMs, second.clock.wallNow() - 1 * SEC);
  assert.equal((await second.service.lookup(K1))?.id, r.value.session.id);
  await second.finish();
});

test('a dead store gives clear failures, cached sessions keep working, and it recovers', async () => {
  const { store, setFailing } = instrumented(createMemoryStore());
  const { clock, service, login, finish } = setup({ store, cacheTtlMs: 1 * SEC });
  assert.ok((await login(K1)).ok);
  setFailing(true);
  const r = await login(K2);
  assert.deepEqual(r, { ok: false, error: { kind: 'unavailable', message: 'session store unavailable' } });
  await assert.rejects(service.lookup(K2), { name: 'SessionStoreUnavailableError' });
  await clock.advanceAsync(2 * SEC);
  service.touch(K1);
  assert.ok(await service.lookup(K1), 'served from the cache while the store is down');
  assert.equal(await service.logout(K1), false);
  await clock.advanceAsync(1 * SEC);
  setFailing(false);
  assert.ok((await login(K2)).ok);
  await clock.advanceAsync(1 * SEC);
  assert.ok(await service.lookup(K1));
  await finish();
});

test('two instances on one store: a logout on one is seen by the other within the cache TTL', async () => {
  const store = createMemoryStore();
  const a = setup({ store, cacheTtlMs: 2 * SEC });
  const b = setup({ store, cacheTtlMs: 2 * SEC });
  await a.login(K1);
  assert.ok(await a.service.lookup(K1));
  assert.ok(await b.service.lookup(K1));
  assert.equal(await b.service.logout(K1), true);
  await a.clock.advanceAsync(2 * SEC + 1);
  assert.equal(await a.service.lookup(K1), undefined);
  await a.finish();
  await b.finish();
});

test('a throwing onClosed callback does not break the service', async () => {
  const { service, login, finish } = setup({
    onClosed: () => {
      throw new Error('boom');
    },
  });
  await login(K1);
  assert.ok((await login(K1)).ok);
  assert.equal(await service.logout(K1), true);
  await finish();
});

test('permissions that are not JSON and empty names are refused as invalid', async () => {
  const { login, finish } = setup();
  const r1 = await login(K1, { permissions: { n: 1n } });
  assert.equal(r1.ok ? 'ok' : r1.error.kind, 'invalid');
  const r2 = await login('', {});
  assert.equal(r2.ok ? 'ok' : r2.error.kind, 'invalid');
  await finish();
});

test('lookup of a key being logged in concurrently returns the new session, not a stale read', async () => {
  const inner = createMemoryStore();
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  // The read sees the store before the login, but its answer arrives after the login is done.
  const store: SessionStore = Object.assign(Object.create(inner) as SessionStore, {
    getByClientKey: async (key: string) => {
      const before = await inner.getByClientKey(key);
      await gate;
      return before;
    },
  });
  const { service, login, finish } = setup({ store });
  const pending = service.lookup(K1);
  const r = await login(K1);
  assert.ok(r.ok);
  release();
  const seen: Session | undefined = await pending;
  assert.equal(seen?.id, r.value.session.id);
  assert.equal((await service.lookup(K1))?.id, r.value.session.id);
  await finish();
});

test('logins with the same permissions share one frozen value, also when read back from the store (issue #8)', async () => {
  // Like SQLite and Redis, this store hands back freshly parsed permissions on every read.
  const inner = createMemoryStore();
  const reparsing: SessionStore = Object.assign(Object.create(inner) as SessionStore, {
    getByClientKey: async (key: string) => {
      const s = await inner.getByClientKey(key);
      return s === undefined ? undefined : { ...s, permissions: JSON.parse(JSON.stringify(s.permissions)) as unknown };
    },
  });
  const { clock, service, login, finish } = setup({ store: reparsing, cacheTtlMs: 1 });
  const perms = [{ devices: ['SSN*.example.test'], methods: ['all'] }];
  for (const key of [K1, K2]) assert.ok((await login(key, { permissions: perms })).ok);
  const a = await service.lookup(K1);
  const b = await service.lookup(K2);
  assert.ok(a !== undefined && b !== undefined);
  assert.equal(a.permissions, b.permissions, 'one shared object');
  assert.deepEqual(a.permissions, perms);
  assert.ok(Object.isFrozen(a.permissions));
  assert.ok(!Object.isFrozen(perms), 'the caller object is left alone');
  clock.advance(5);
  const reread = await service.lookup(K1);
  assert.ok(reread !== undefined && reread !== a, 'read again from the store');
  assert.equal(reread.permissions, a.permissions, 'the parsed copy is replaced by the shared one');
  assert.ok((await login(K3, { permissions: [{ devices: ['*'], methods: ['GET'] }] })).ok);
  assert.notDeepEqual((await service.lookup(K3))?.permissions, a.permissions);
  await finish();
});

test('lookupCached answers from the hot-path cache only: null means ask the store', async () => {
  const { service, login, finish } = setup();
  assert.equal(service.lookupCached(K1), null, 'nothing cached for an unknown socket');
  const r = await login(K1);
  assert.ok(r.ok);
  const cached = service.lookupCached(K1);
  assert.ok(cached !== null && cached !== undefined, 'a fresh login is cached');
  assert.equal(cached.id, (await service.lookup(K1))?.id);
  assert.ok(await service.logout(K1));
  const after = service.lookupCached(K1);
  assert.ok(after === null || after === undefined, 'a logged-out socket never answers with its old session');
  assert.equal(await service.lookup(K1), undefined);
  await finish();
});
