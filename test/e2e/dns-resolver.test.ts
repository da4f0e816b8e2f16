// e2e: our resolver (Node's c-ares) against the simulator's DNS server over real UDP on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../support/fake-clock.js';
import { createDnsResolver, formatDeviceName } from '../../src/resolver/index.js';
import type { DnsResolver, DnsResolverOptions } from '../../src/resolver/index.js';
import { createDnsZone } from '../../src/simulator/dns-zone.js';
import { startDnsServer } from '../../src/simulator/dns-server.js';
import type { RunningDnsServer } from '../../src/simulator/dns-server.js';

const DOMAIN = 'starfish.test';
const DEVICE = formatDeviceName(0x001350050005e7d6n, DOMAIN);

async function withServer(
  body: (ctx: { server: RunningDnsServer; zone: ReturnType<typeof createDnsZone>; clock: FakeClock; make: (o?: Partial<DnsResolverOptions>) => DnsResolver }) => Promise<void>,
): Promise<void> {
  const zone = createDnsZone({ domains: [DOMAIN], defaultTtlSec: 30 });
  zone.add(DEVICE, '127.1.2.3');
  const server = await startDnsServer({ zone });
  // The cache runs on a fake clock, so expiry needs no sleeping; c-ares still does real I/O and real timeouts.
  const clock = new FakeClock();
  const resolvers: DnsResolver[] = [];
  const make = (o: Partial<DnsResolverOptions> = {}): DnsResolver => {
    const r = createDnsResolver({
      servers: [server.endpoint],
      clock,
      timeoutMs: 1_000,
      tries: 2,
      negativeTtlMs: 2_000,
      minTtlMs: 1_000,
      maxTtlMs: 300_000,
      cacheSize: 20_000,
      deadlineMs: 10_000,
      ...o,
    });
    resolvers.push(r);
    return r;
  };
  try {
    await body({ server, zone, clock, make });
  } finally {
    for (const r of resolvers) r.close();
    await server.close();
  }
  assert.equal(clock.pendingTimers, 0, 'no deadline timer left behind');
}

test('a device name resolves over UDP with the zone TTL; unknown and foreign names fail distinctly', () =>
  withServer(async ({ server, make }) => {
    const r = make();
    assert.deepEqual(await r.resolve(DEVICE.toLowerCase()), { ok: true, value: { address: '127.1.2.3', family: 4, ttlSec: 30, source: 'dns' } });
    const nx = await r.resolve(`SSN0000000000000000.${DOMAIN}`);
    assert.equal(!nx.ok && nx.error.kind, 'nxdomain');
    assert.match(nx.ok ? '' : nx.error.message, new RegExp(`NXDOMAIN; asked 127\\.0\\.0\\.1:${server.port}`));
    const foreign = await r.resolve('device.example.com');
    assert.equal(!foreign.ok && foreign.error.kind, 'refused');
    assert.equal(server.stats().replies.NXDOMAIN, 2, 'A and AAAA were both asked');
  }));

test('AAAA wins when present, A when preferIpv6 is off', () =>
  withServer(async ({ zone, make }) => {
    zone.add(DEVICE, 'fd00::e7d6');
    const v6 = await make().resolve(DEVICE);
    assert.equal(v6.ok && `${v6.value.family} ${v6.value.address}`, '6 fd00::e7d6');
    const v4 = await make({ preferIpv6: false }).resolve(DEVICE);
    assert.equal(v4.ok && `${v4.value.family} ${v4.value.address}`, '4 127.1.2.3');
  }));

test('a burst of 200 requests for one name sends one A and one AAAA query', () =>
  withServer(async ({ server, make }) => {
    const r = make();
    const results = await Promise.all(Array.from({ length: 200 }, () => r.resolve(DEVICE)));
    assert.ok(results.every((x) => x.ok && x.value.address === '127.1.2.3'));
    assert.equal(server.stats().queries, 2);
    assert.equal(r.stats().coalesced, 199);
  }));

test('answers are cached for their TTL, then asked again (no c-ares cache in between)', () =>
  withServer(async ({ server, zone, clock, make }) => {
    const r = make();
    await r.resolve(DEVICE);
    zone.remove(DEVICE);
    zone.add(DEVICE, '127.1.2.4');
    const cached = await r.resolve(DEVICE);
    assert.equal(cached.ok && `${cached.value.source} ${cached.value.address}`, 'cache 127.1.2.3');
    clock.advance(30_000);
    const fresh = await r.resolve(DEVICE);
    assert.equal(fresh.ok && `${fresh.value.source} ${fresh.value.address}`, 'dns 127.1.2.4');
    assert.equal(server.stats().queries, 4);
  }));

test('dead DNS: a silent server gives a timeout, remembered briefly; recovery follows by itself', () =>
  withServer(async ({ server, clock, make }) => {
    const r = make({ timeoutMs: 100, tries: 1 });
    server.setFault('silent');
    const started = performance.now();
    const dead = await r.resolve(DEVICE);
    const elapsedMs = performance.now() - started;
    assert.equal(!dead.ok && dead.error.kind, 'timeout');
    assert.ok(elapsedMs < 3_000, `the timeout took ${elapsedMs.toFixed(0)} ms`);
    const again = await r.resolve(DEVICE);
    assert.equal(!again.ok && again.error.cached, true, 'the failure is negatively cached');
    server.setFault('none');
    clock.advance(2_000);
    const back = await r.resolve(DEVICE);
    assert.equal(back.ok && back.value.address, '127.1.2.3');
  }));

test('SERVFAIL and an unreachable server are told apart', () =>
  withServer(async ({ server, make }) => {
    server.setFault('servfail');
    const sf = await make().resolve(DEVICE);
    assert.equal(!sf.ok && sf.error.kind, 'servfail');
    // Port 9 (discard) has no listener on loopback: the ICMP port-unreachable surfaces as ECONNREFUSED.
    const un = await make({ servers: ['127.0.0.1:9'] }).resolve(DEVICE);
    assert.equal(!un.ok && un.error.kind, 'unreachable');
  }));

test('with a dead first server the second one answers', () =>
  withServer(async ({ server, zone, make }) => {
    const deadServer = await startDnsServer({ zone });
    deadServer.setFault('silent');
    try {
      const r = make({ servers: [deadServer.endpoint, server.endpoint], timeoutMs: 100, tries: 2 });
      const res = await r.resolve(DEVICE);
      assert.equal(res.ok && res.value.address, '127.1.2.3');
      assert.ok(deadServer.stats().dropped > 0, 'the dead server was tried first');
    } finally {
      await deadServer.close();
    }
  }));

test('the server and resolver handle 10,000 device names', (t) =>
  withServer(async ({ server, zone, make }) => {
    const names: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const name = formatDeviceName(0x0013500500000000n + BigInt(i), DOMAIN);
      zone.add(name, `127.${2 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
      names.push(name);
    }
    const r = make({ preferIpv6: false });
    const started = performance.now();
    // All at once: the resolver's maxInFlight gate keeps the burst from overflowing the server's socket.
    const results = await Promise.all(names.map((n) => r.resolve(n)));
    const resolved = results.filter((x) => x.ok).length;
    const elapsedMs = performance.now() - started;
    t.diagnostic(`10,000 names (20,000 queries) in ${elapsedMs.toFixed(0)} ms: ${Math.round((20_000 / elapsedMs) * 1000)} queries/s; the server saw ${server.stats().queries} queries`);
    assert.equal(resolved, 10_000);
    assert.ok(server.stats().queries >= 20_000);
    assert.equal(server.stats().dropped, 0);
    assert.ok(elapsedMs < 30_000, `took ${elapsedMs.toFixed(0)} ms`);
    const check = await r.resolve(names[4321] ?? '');
    assert.equal(check.ok && check.value.address, '127.2.16.225');
  }));
