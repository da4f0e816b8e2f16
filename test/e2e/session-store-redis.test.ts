// Redis session store against a real redis-server on loopback: the store contract, two instances, script reload, outage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { createRedisStore, createSessionService } from '../../src/sessions/index.js';
import { seededRandom } from '../../src/base/index.js';
import { makeSession, sessionStoreContract } from '../../src/sessions/session-store.contract.js';
import { FakeClock } from '../support/fake-clock.js';
import { freeTcpPort } from '../support/tcp-port.js';

let server: ChildProcess | undefined;
let port = 0;
const clients: Redis[] = [];
let prefixSeq = 0;


async function startRedis(): Promise<void> {
  port = await freeTcpPort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'ENOENT'
            ? 'redis-server is not installed or not on PATH: the Redis session store tests need it (apt-get install redis-server)'
            : `redis-server failed to start: ${e.message}`,
        ),
      ),
    ),
  );
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`redis-server exited early (code ${code}): ${output}`))),
  );
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        probe.disconnect();
      }
    }
    throw new Error(`redis-server on port ${port} never answered PING: ${output}`);
  })();
  await Promise.race([ready, spawnError, exited]);
  child.removeAllListeners('exit');
}

function client(): Redis {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
}

async function quit(c: Redis): Promise<void> {
  clients.splice(clients.indexOf(c), 1);
  await c.quit().catch(() => c.disconnect());
}

before(startRedis);

after(async () => {
  await Promise.all([...clients].map(quit));
  if (server !== undefined && server.exitCode === null) {
    const gone = new Promise((r) => server?.once('exit', r));
    server.kill('SIGTERM');
    await gone;
  }
});

// Each fixture: two instances (two connections) sharing one fresh key prefix.
sessionStoreContract('redis (two clients, one server)', async () => {
  const prefix = `test:${process.pid}:${++prefixSeq}:`;
  const ca = client();
  const cb = client();
  return {
    a: createRedisStore(ca, prefix),
    b: createRedisStore(cb, prefix),
    close: async () => {
      await quit(ca);
      await quit(cb);
    },
  };
});

test('redis prefixes keep two deployments apart', async () => {
  const c = client();
  try {
    const one = createRedisStore(c, 'one:');
    const two = createRedisStore(c, 'two:');
    const s = makeSession();
    await one.put(s);
    assert.equal(await two.getByClientKey(s.clientKey), undefined);
    assert.equal(await two.count(), 0);
    assert.equal(await one.count(), 1);
    assert.ok((await c.keys('one:*')).length > 0);
    assert.deepEqual(await c.keys('two:*'), []);
  } finally {
    await quit(c);
  }
});

test('redis store reloads its Lua scripts after SCRIPT FLUSH (e.g. a Redis restart)', async () => {
  const c = client();
  try {
    const store = createRedisStore(c, `flush:${++prefixSeq}:`);
    assert.ok((await store.claim(makeSession(), 5)).ok);
    await c.script('FLUSH');
    assert.ok((await store.claim(makeSession(), 5)).ok);
    assert.equal(await store.countByAccount('acct-1'), 2);
  } finally {
    await quit(c);
  }
});

test('a session made on one gateway instance keeps working on another (instance failure)', async () => {
  const prefix = `failover:${++prefixSeq}:`;
  const clock = new FakeClock();
  const ca = client();
  const cb = client();
  const closedOnB: string[] = [];
  const a = createSessionService({ store: createRedisStore(ca, prefix), clock, random: seededRandom(1) });
  const b = createSessionService({
    store: createRedisStore(cb, prefix),
    clock,
    random: seededRandom(2),
    maxIdleMs: 10_000,
    graceMs: 4_000,
    onClosed: (s, reason) => closedOnB.push(`${s.clientKey}:${reason}`),
  });
  try {
    const r = await a.login({
      account: 'acct-x',
      clientKey: '127.0.0.1:12345',
      sticky: false,
      limit: 10,
      tokenExpiresAtMs: clock.wallNow() + 3_600_000,
      tokenId: 'tok',
      permissions: { devices: ['*'] },
    });
    assert.ok(r.ok);
    await a.close(); // instance A dies
    const seen = await b.lookup('127.0.0.1:12345');
    assert.equal(seen?.id, r.value.session.id);
    assert.deepEqual(seen?.permissions, { devices: ['*'] });
    // B also runs the idle sweep for sessions A made
    // Real Redis round trips outlast FakeClock's microtask flushing: move time, then wait for sweeps.
    clock.advance(20_000);
    await b.sweep();
    await b.sweep();
    assert.deepEqual(closedOnB, ['127.0.0.1:12345:idle']);
    assert.equal(await b.lookup('127.0.0.1:12345'), undefined);
  } finally {
    await a.close();
    await b.close();
    await quit(ca);
    await quit(cb);
  }
});

test('with Redis unreachable the store rejects promptly and the service degrades to clear failures', async () => {
  const deadPort = await freeTcpPort();
  const c = new Redis({ port: deadPort, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
  c.on('error', () => undefined);
  const clock = new FakeClock();
  const service = createSessionService({ store: createRedisStore(c, 'dead:'), clock, random: seededRandom(3) });
  try {
    await assert.rejects(createRedisStore(c, 'dead:').getByClientKey('127.0.0.1:1'));
    const r = await service.login({
      account: 'a',
      clientKey: '127.0.0.1:1',
      sticky: false,
      limit: 1,
      tokenExpiresAtMs: 0,
      tokenId: 't',
      permissions: null,
    });
    assert.deepEqual(r, { ok: false, error: { kind: 'unavailable', message: 'session store unavailable' } });
    await assert.rejects(service.lookup('127.0.0.1:1'), { name: 'SessionStoreUnavailableError' });
    assert.equal(await service.logout('127.0.0.1:1'), false);
  } finally {
    await service.close();
    c.disconnect();
  }
});
