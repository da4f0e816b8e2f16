// Unit tests: resolver cache, TTL clamps, negative cache, family preference, single-flight and deadline on a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flushMicrotasks } from '../../test/support/fake-clock.js';
import { ok, err } from '../base/index.js';
import { createDnsResolver, resolverLookupChannel } from './dns-resolver.js';
import type { DnsResolverOptions, ResolverLookupEvent } from './dns-resolver.js';
import { classifyDnsError, parseDnsServer } from './node-dns-lookup.js';
import type { DnsLookup, LookupResult, ResolveFailureKind } from './resolution.js';

const NAME = 'SSN001350050005E7D6.starfish.test';
const KEY = NAME.toLowerCase();

type Script = Record<string, { 4?: LookupResult | 'hang'; 6?: LookupResult | 'hang' }>;

const records = (address: string, ttl: number): LookupResult => ok([{ address, ttl }]);
const fail = (kind: ResolveFailureKind): LookupResult => err({ kind, detail: kind.toUpperCase() });
const NODATA: LookupResult = fail('nodata');

function scripted(script: Script): { lookup: DnsLookup; calls: string[] } {
  const calls: string[] = [];
  const lookup: DnsLookup = (name, family) => {
    calls.push(`${family}:${name}`);
    const r = script[name]?.[family] ?? fail('nxdomain');
    return r === 'hang' ? new Promise<LookupResult>(() => undefined) : Promise.resolve(r);
  };
  return { lookup, calls };
}

function make(clock: FakeClock, lookup: DnsLookup, extra: Partial<DnsResolverOptions> = {}) {
  return createDnsResolver({
    servers: ['127.0.0.1:5353'],
    clock,
    timeoutMs: 500,
    tries: 2,
    negativeTtlMs: 5_000,
    minTtlMs: 1_000,
    maxTtlMs: 60_000,
    cacheSize: 100,
    lookup,
    ...extra,
  });
}

test('IP literals resolve to themselves without a lookup', async () => {
  const clock = new FakeClock();
  const { lookup, calls } = scripted({});
  const r = make(clock, lookup);
  assert.deepEqual(await r.resolve('127.0.0.42'), { ok: true, value: { address: '127.0.0.42', family: 4, ttlSec: 60, source: 'literal' } });
  const v6 = await r.resolve('[::1]');
  assert.ok(v6.ok);
  assert.equal(v6.value.address, '::1');
  assert.equal(v6.value.family, 6);
  assert.deepEqual(calls, []);
});

test('an A-only name resolves to its A record; the TTL is clamped and then counts down in the cache', async () => {
  const clock = new FakeClock();
  const { lookup, calls } = scripted({ [KEY]: { 4: records('127.1.2.3', 3600), 6: NODATA } });
  const r = make(clock, lookup);
  const first = await r.resolve(NAME);
  assert.deepEqual(first, { ok: true, value: { address: '127.1.2.3', family: 4, ttlSec: 60, source: 'dns' } });
  assert.deepEqual(calls.sort(), [`4:${KEY}`, `6:${KEY}`]);
  clock.advance(20_000);
  const second = await r.resolve(NAME.toLowerCase());
  assert.deepEqual(second, { ok: true, value: { address: '127.1.2.3', family: 4, ttlSec: 40, source: 'cache' } });
  assert.equal(calls.length, 2, 'served from the cache, case-insensitively');
  clock.advance(40_000);
  const third = await r.resolve(NAME);
  assert.ok(third.ok);
  assert.equal(third.value.source, 'dns');
  assert.equal(calls.length, 4, 'expired entries are looked up again');
  assert.equal(r.stats().cacheHits, 1);
  assert.equal(r.stats().lookups, 2);
});

test('a TTL below the floor is raised to it', async () => {
  const clock = new FakeClock();
  const { lookup } = scripted({ [KEY]: { 4: records('127.1.2.3', 0), 6: NODATA } });
  const r = make(clock, lookup, { minTtlMs: 5_000 });
  const a = await r.resolve(NAME);
  assert.ok(a.ok);
  assert.equal(a.value.ttlSec, 5);
  clock.advance(4_999);
  assert.equal((await r.resolve(NAME)).ok && r.stats().cacheHits, 1);
});

test('AAAA is preferred by default; preferIpv6 false picks A', async () => {
  const clock = new FakeClock();
  const script = { [KEY]: { 4: records('127.1.2.3', 30), 6: records('fd00::1', 30) } };
  const v6 = await make(clock, scripted(script).lookup).resolve(NAME);
  assert.ok(v6.ok);
  assert.deepEqual([v6.value.address, v6.value.family], ['fd00::1', 6]);
  const v4 = await make(clock, scripted(script).lookup, { preferIpv6: false }).resolve(NAME);
  assert.ok(v4.ok);
  assert.deepEqual([v4.value.address, v4.value.family], ['127.1.2.3', 4]);
});

test('the other family is a fallback when the preferred one fails', async () => {
  const clock = new FakeClock();
  const { lookup } = scripted({ [KEY]: { 4: records('127.9.9.9', 30), 6: fail('servfail') } });
  const r = await make(clock, lookup).resolve(NAME);
  assert.ok(r.ok);
  assert.equal(r.value.address, '127.9.9.9');
});

test('failures are classified, described, and cached for negativeTtlMs', async () => {
  const cases: Array<[LookupResult, LookupResult, ResolveFailureKind, RegExp]> = [
    [fail('nxdomain'), fail('nxdomain'), 'nxdomain', /no such name "ssn001350050005e7d6.starfish.test" \(NXDOMAIN; asked 127.0.0.1:5353\)/],
    [NODATA, ok([]), 'nodata', /has no AAAA or A record/],
    [fail('servfail'), fail('servfail'), 'servfail', /SERVFAIL/],
    [fail('refused'), fail('refused'), 'refused', /refused to resolve/],
    [fail('timeout'), fail('timeout'), 'timeout', /no answer from 127.0.0.1:5353/],
    [fail('unreachable'), fail('unreachable'), 'unreachable', /cannot reach 127.0.0.1:5353/],
    [fail('nxdomain'), fail('timeout'), 'nxdomain', /NXDOMAIN/],
    [NODATA, fail('timeout'), 'timeout', /no answer/],
  ];
  for (const [six, four, kind, message] of cases) {
    const clock = new FakeClock();
    const { lookup, calls } = scripted({ [KEY]: { 4: four, 6: six } });
    const r = make(clock, lookup);
    const first = await r.resolve(NAME);
    assert.equal(first.ok, false);
    if (first.ok) continue;
    assert.equal(first.error.kind, kind);
    assert.match(first.error.message, message);
    assert.equal(first.error.cached, false);
    assert.equal(first.error.host, NAME);
    clock.advance(4_999);
    const again = await r.resolve(NAME);
    assert.equal(!again.ok && again.error.cached && again.error.kind, kind);
    assert.equal(calls.length, 2, `${kind}: negative cache hit`);
    clock.advance(1);
    await r.resolve(NAME);
    assert.equal(calls.length, 4, `${kind}: negative entry expired`);
    assert.equal(r.stats().negativeHits, 1);
    assert.equal(r.stats().failures[kind], 2);
  }
});

test('one lookup in flight per name: a burst makes one A and one AAAA query', async () => {
  const clock = new FakeClock();
  const calls: string[] = [];
  let release: (r: LookupResult) => void = () => undefined;
  const gate = new Promise<LookupResult>((resolve) => (release = resolve));
  const lookup: DnsLookup = (name, family) => {
    calls.push(`${family}:${name}`);
    return family === 4 ? gate : Promise.resolve(NODATA);
  };
  const r = make(clock, lookup);
  const burst = Array.from({ length: 100 }, (_, i) => r.resolve(i % 2 === 0 ? NAME : KEY));
  await flushMicrotasks();
  assert.equal(r.stats().inFlight, 1);
  release(records('127.0.0.7', 30));
  const results = await Promise.all(burst);
  assert.ok(results.every((x) => x.ok && x.value.address === '127.0.0.7'));
  assert.equal(calls.length, 2);
  assert.equal(r.stats().coalesced, 99);
  assert.equal(r.stats().inFlight, 0);
  assert.equal(clock.pendingTimers, 0, 'the deadline timer is cleared');
});

test('maxInFlight bounds concurrent lookups; the rest wait their turn in order', async () => {
  const clock = new FakeClock();
  const started: string[] = [];
  const releases = new Map<string, () => void>();
  const lookup: DnsLookup = (name, family) => {
    started.push(`${family}:${name}`);
    if (family === 6) return Promise.resolve(NODATA);
    return new Promise<LookupResult>((resolve) => releases.set(name, () => resolve(records('127.0.0.1', 30))));
  };
  const r = make(clock, lookup, { maxInFlight: 2 });
  const all = ['a.test', 'b.test', 'c.test', 'd.test'].map((n) => r.resolve(n));
  await flushMicrotasks();
  assert.deepEqual([...releases.keys()], ['a.test', 'b.test']);
  assert.equal(r.stats().queued, 2);
  releases.get('b.test')?.();
  await flushMicrotasks();
  assert.deepEqual([...releases.keys()], ['a.test', 'b.test', 'c.test']);
  releases.get('a.test')?.();
  await flushMicrotasks();
  releases.get('c.test')?.();
  releases.get('d.test')?.();
  const results = await Promise.all(all);
  assert.ok(results.every((x) => x.ok));
  assert.equal(started.length, 8);
  assert.equal(r.stats().queued, 0);
  assert.equal(clock.pendingTimers, 0);
});

test('a lookup that never answers ends at the deadline on the clock, and is negatively cached', async () => {
  const clock = new FakeClock();
  const { lookup, calls } = scripted({ [KEY]: { 4: 'hang', 6: 'hang' } });
  const r = make(clock, lookup, { deadlineMs: 2_000 });
  const pending = r.resolve(NAME);
  await clock.advanceAsync(1_999);
  assert.equal(r.stats().inFlight, 1);
  await clock.advanceAsync(1);
  const res = await pending;
  assert.equal(!res.ok && res.error.kind, 'timeout');
  assert.match(res.ok ? '' : res.error.message, /within 2000 ms/);
  assert.equal(clock.pendingTimers, 0);
  assert.equal((await r.resolve(NAME)).ok, false);
  assert.equal(calls.length, 2, 'the timeout is remembered');
});

test('the default deadline follows c-ares: timeoutMs × (2^tries − 1) per server + timeoutMs', async () => {
  const clock = new FakeClock();
  const { lookup } = scripted({ [KEY]: { 4: 'hang', 6: 'hang' } });
  const r = make(clock, lookup, { servers: ['127.0.0.1:1', '127.0.0.2:2'], timeoutMs: 100, tries: 2 });
  const pending = r.resolve(NAME);
  await clock.advanceAsync(699);
  assert.equal(r.stats().inFlight, 1);
  await clock.advanceAsync(1);
  assert.equal((await pending).ok, false);
});

test('invalid names are refused without a query; a throwing lookup becomes an error', async () => {
  const clock = new FakeClock();
  const { lookup, calls } = scripted({});
  const r = make(clock, lookup);
  for (const bad of ['', 'a..b', 'x'.repeat(300), 'bad name.test', 'ssn\u0000.test']) {
    const res = await r.resolve(bad);
    assert.equal(!res.ok && res.error.kind, 'invalid-name', JSON.stringify(bad));
  }
  assert.deepEqual(calls, []);
  const throwing = make(clock, () => Promise.reject(new Error('boom')));
  const res = await throwing.resolve(NAME);
  assert.equal(!res.ok && res.error.kind, 'error');
  assert.match(res.ok ? '' : res.error.message, /failed \(boom\)/);
});

/** A resolver holding at most 2 names, a.test then b.test already resolved; c.test known to DNS too. */
async function twoOfThreeCached() {
  const clock = new FakeClock();
  const script: Script = {};
  for (const n of ['a.test', 'b.test', 'c.test']) script[n] = { 4: records('127.0.0.1', 300), 6: NODATA };
  const { lookup, calls } = scripted(script);
  const r = make(clock, lookup, { cacheSize: 2 });
  await r.resolve('a.test');
  await r.resolve('b.test');
  return { clock, r, calls };
}

test('the cache is bounded and evicts the least recently used name (recency counted per second)', async () => {
  const { clock, r, calls } = await twoOfThreeCached();
  clock.advance(1000);
  await r.resolve('a.test'); // a is now the most recently used
  await r.resolve('c.test'); // evicts b
  assert.equal(r.stats().cacheSize, 2);
  const before = calls.length;
  await r.resolve('a.test');
  assert.equal(calls.length, before);
  await r.resolve('b.test');
  assert.equal(calls.length, before + 2);
});

test('forget drops one name; close settles lookups in flight and refuses later ones', async () => {
  const clock = new FakeClock();
  const { lookup, calls } = scripted({ [KEY]: { 4: records('127.0.0.1', 300), 6: NODATA }, 'slow.test': { 4: 'hang', 6: 'hang' } });
  const r = make(clock, lookup);
  await r.resolve(NAME);
  r.forget(NAME.toUpperCase());
  await r.resolve(NAME);
  assert.equal(calls.length, 4);
  const slow = r.resolve('slow.test');
  await flushMicrotasks();
  r.close();
  const res = await slow;
  assert.equal(!res.ok && res.error.kind, 'error');
  assert.match(res.ok ? '' : res.error.message, /resolver closed/);
  const later = await r.resolve(NAME);
  assert.equal(!later.ok && later.error.kind, 'error');
  assert.equal(clock.pendingTimers, 0);
  assert.equal(r.stats().cacheSize, 0);
});

test('every DNS lookup is published on the resolver.lookup channel', async () => {
  const clock = new FakeClock();
  const seen: ResolverLookupEvent[] = [];
  const off = resolverLookupChannel.subscribe((e) => seen.push(e));
  try {
    const { lookup } = scripted({ [KEY]: { 4: records('127.0.0.1', 300), 6: NODATA } });
    const r = make(clock, lookup);
    await r.resolve(NAME);
    await r.resolve(NAME);
    await r.resolve('missing.test');
    assert.deepEqual(
      seen.map((e) => [e.name, e.ok, e.kind, e.family]),
      [[KEY, true, undefined, 4], ['missing.test', false, 'nxdomain', undefined]],
    );
  } finally {
    off();
  }
});

test('configuration mistakes throw clear TypeErrors', () => {
  const clock = new FakeClock();
  const { lookup } = scripted({});
  assert.throws(() => make(clock, lookup, { servers: [] }), /at least one DNS server/);
  assert.throws(() => make(clock, lookup, { servers: ['dns.example:53'] }), /not an IP address/);
  assert.throws(() => make(clock, lookup, { tries: 0 }), /tries must be a positive number/);
  assert.throws(() => make(clock, lookup, { minTtlMs: 10, maxTtlMs: 5 }), /exceeds maxTtlMs/);
  assert.throws(() => make(clock, lookup, { negativeTtlMs: -1 }), /negativeTtlMs must be zero or more/);
});

test('parseDnsServer reads ip, ip:port, [ipv6]:port; classifyDnsError maps c-ares codes', () => {
  assert.deepEqual(parseDnsServer('127.0.0.1:5353'), { ok: true, value: { host: '127.0.0.1', port: 5353, text: '127.0.0.1:5353' } });
  assert.deepEqual(parseDnsServer('10.0.0.1'), { ok: true, value: { host: '10.0.0.1', port: 53, text: '10.0.0.1:53' } });
  assert.deepEqual(parseDnsServer('[::1]:53'), { ok: true, value: { host: '::1', port: 53, text: '[::1]:53' } });
  assert.deepEqual(parseDnsServer('::1'), { ok: true, value: { host: '::1', port: 53, text: '[::1]:53' } });
  for (const bad of ['', '127.0.0.1:0', '127.0.0.1:70000', '[127.0.0.1]:53', 'host:53', '127.0.0.1:x']) {
    assert.equal(parseDnsServer(bad).ok, false, bad);
  }
  const kinds = ['ENOTFOUND', 'ENODATA', 'ESERVFAIL', 'EREFUSED', 'ETIMEOUT', 'ECONNREFUSED', 'EBADRESP'].map((code) => {
    const r = classifyDnsError(Object.assign(new Error(code), { code }));
    return r.ok ? 'ok' : r.error.kind;
  });
  assert.deepEqual(kinds, ['nxdomain', 'nodata', 'servfail', 'refused', 'timeout', 'unreachable', 'error']);
  const odd = classifyDnsError('not an error');
  assert.equal(!odd.ok && odd.error.kind, 'error');
});

test('a hit within the same second does not reorder the cache (one Map move per name per second)', async () => {
  const { r, calls } = await twoOfThreeCached();
  await r.resolve('a.test'); // same second: a stays the oldest
  await r.resolve('c.test'); // evicts a
  const before = calls.length;
  await r.resolve('b.test');
  assert.equal(calls.length, before);
  await r.resolve('a.test');
  assert.equal(calls.length, before + 2);
});

test('peek answers a cached name synchronously and nothing else', async () => {
  const clock = new FakeClock();
  const { lookup, calls } = scripted({ [KEY]: { 4: records('127.0.0.9', 300), 6: NODATA } });
  const r = make(clock, lookup);
  assert.equal(r.peek(NAME), undefined, 'not cached yet');
  await r.resolve(NAME);
  const hit = r.peek(NAME.toLowerCase());
  assert.ok(hit?.ok);
  assert.equal(hit.value.address, '127.0.0.9');
  assert.equal(hit.value.source, 'cache');
  clock.advance(301_000);
  assert.equal(r.peek(NAME.toLowerCase()), undefined, 'expired');
  assert.equal(calls.length, 2, 'peek never queries DNS');
  r.close();
  assert.equal(r.peek(NAME.toLowerCase()), undefined);
});
