// Checks of the proxy bench's own tools: C load generator and origin, raw relay, libcoap peer, medians.
// Needs gcc and coap-server-notls (libcoap3-bin); fails with a clear message when either is missing.
// Run: node --import tsx --test bench/proxy/proxy-bench.test.ts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCTools } from './c-tools.js';
import type { CTools } from './c-tools.js';
import { stopAllChildren } from './child-process.js';
import { runLoadgen } from './loadgen-process.js';
import { loopbackAddresses, startOrigin } from './origin-process.js';
import { startLibcoap, startRawRelay } from './peers.js';
import type { Device } from './peers.js';
import { median } from './sample.js';

let tools: CTools;

before(() => {
  tools = buildCTools();
});

after(async () => {
  await stopAllChildren();
  tools.dispose();
});

const devicesAt = (addresses: readonly string[], port: number): Device[] =>
  addresses.map((address, i) => ({ address, port, name: `d${i}.bench.test` }));

describe('C load generator against the C origin, direct', () => {
  test('every request is answered with a piggybacked 2.05 and counted once at the origin', async () => {
    const origin = await startOrigin(tools, { addresses: ['127.0.0.1'] });
    try {
      const r = await runLoadgen(tools, { dest: undefined, uris: [`coap://127.0.0.1:${origin.port}/a/b?c=1`], clients: 2, window: 4, durationMs: 300, timeoutMs: 1000 });
      const stats = await origin.stats();
      assert.ok(r.ok > 100, `only ${r.ok} answered`);
      assert.equal(r.timeouts, 0);
      assert.equal(r.unmatched, 0);
      assert.deepEqual(Object.keys(r.codes), ['2.05']);
      assert.equal(stats.requests, r.total_done);
      assert.ok(r.lat_us.p50 > 0 && r.lat_us.p50 <= r.lat_us.p99 && r.lat_us.p99 <= r.lat_us.max);
    } finally {
      await origin.stop();
    }
  });

  test('a delayed origin answers with an empty ACK, then a separate CON the load generator ACKs', async () => {
    const origin = await startOrigin(tools, { addresses: ['127.0.0.1'], delayMs: 200 });
    try {
      const r = await runLoadgen(tools, { dest: undefined, uris: [`coap://127.0.0.1:${origin.port}/x`], clients: 3, window: 5, once: true, durationMs: 2000, timeoutMs: 2000 });
      assert.equal(r.ok, 15);
      assert.equal(r.empty_acks, 15);
      assert.equal(r.separate, 15);
      assert.ok(r.lat_us.p50 >= 200_000, `p50 ${r.lat_us.p50} µs is below the 200 ms delay`);
      const stats = await origin.stats();
      assert.equal(stats.delayed_sent, 15);
      assert.equal(stats.acks_in, 15);
    } finally {
      await origin.stop();
    }
  });

  test('requests to /silent are never answered and are counted apart from the rest', async () => {
    const origin = await startOrigin(tools, { addresses: ['127.0.0.1'] });
    try {
      const uris = [`coap://127.0.0.1:${origin.port}/x`, `coap://127.0.0.1:${origin.port}/silent`];
      const r = await runLoadgen(tools, { dest: undefined, uris, clients: 1, window: 2, once: true, durationMs: 1000, timeoutMs: 300 });
      assert.equal(r.ok, 1);
      assert.equal(r.timeouts, 0);
      assert.deepEqual(r.silent, { sent: 1, gateway_timeout: 0, other: 0, timeouts: 1 });
    } finally {
      await origin.stop();
    }
  });

  test('paced at --rate, the load generator stays near the rate', async () => {
    const origin = await startOrigin(tools, { addresses: ['127.0.0.1'] });
    try {
      const r = await runLoadgen(tools, { dest: undefined, uris: [`coap://127.0.0.1:${origin.port}/x`], clients: 4, window: 4, rate: 2000, durationMs: 1000, timeoutMs: 500 });
      assert.ok(r.rps > 1500 && r.rps < 2300, `rps ${r.rps}`);
    } finally {
      await origin.stop();
    }
  });

  test('paced requests leave evenly spaced, not in one burst per millisecond (LOADGEN_DUMP)', async () => {
    const origin = await startOrigin(tools, { addresses: ['127.0.0.1'] });
    const dump = join(mkdtempSync(join(tmpdir(), 'loadgen-')), 'lat.txt');
    process.env.LOADGEN_DUMP = dump;
    try {
      await runLoadgen(tools, { dest: undefined, uris: [`coap://127.0.0.1:${origin.port}/x`], clients: 4, window: 16, rate: 20_000, durationMs: 500, timeoutMs: 500 });
      const starts = readFileSync(dump, 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[0]));
      assert.ok(starts.length > 5000, `${starts.length} requests dumped`);
      // 20 per millisecond: evenly spaced, a 250 µs bucket holds ~5 (timer slack groups a few more).
      const perBucket = new Map<number, number>();
      for (const t of starts) perBucket.set(Math.floor(t / 250), (perBucket.get(Math.floor(t / 250)) ?? 0) + 1);
      const sorted = [...perBucket.values()].sort((a, b) => a - b);
      const p90 = sorted[Math.floor(sorted.length * 0.9)] ?? 0;
      assert.ok(p90 <= 12, `90% of 250 µs buckets hold <= 12 starts (got ${p90}; one burst per ms would put ~20 in one)`);
    } finally {
      delete process.env.LOADGEN_DUMP;
      await origin.stop();
    }
  });
});

describe('proxies as peers', () => {
  test('the raw relay forwards by Proxy-Uri and gives every client its own token back', async () => {
    const addresses = loopbackAddresses(3, 77);
    const origin = await startOrigin(tools, { addresses });
    const relay = await startRawRelay();
    try {
      const uris = devicesAt(addresses, origin.port).map((d) => relay.uri(d, 'x'));
      const r = await runLoadgen(tools, { dest: relay.dest, uris, clients: 4, window: 4, durationMs: 300, timeoutMs: 1000 });
      assert.ok(r.ok > 100, `only ${r.ok} answered`);
      assert.equal(r.unmatched, 0);
      assert.equal((await origin.stats()).distinct_addresses, 3);
      const mem = await relay.memory();
      assert.ok(mem.rss > 0 && (mem.heapUsed ?? 0) > 0);
    } finally {
      await relay.stop();
      await origin.stop();
    }
  });

  test('libcoap forward proxy (-P ",NAME") relays a Proxy-Uri request instead of serving it itself', async () => {
    const origin = await startOrigin(tools, { addresses: ['127.0.0.2'] });
    const proxy = await startLibcoap();
    try {
      const [device] = devicesAt(['127.0.0.2'], origin.port);
      assert.ok(device !== undefined);
      const r = await runLoadgen(tools, { dest: proxy.dest, uris: [proxy.uri(device, 'x')], clients: 1, window: 1, count: 20, durationMs: 2000, timeoutMs: 1000 });
      assert.equal(r.ok, 20);
      assert.equal((await origin.stats()).requests, 20);
      assert.ok((await proxy.memory()).rss > 0);
    } finally {
      await proxy.stop();
      await origin.stop();
    }
  });
});

describe('median', () => {
  test('odd, even, and NaN-filtered inputs', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([Number.NaN, 5]), 5);
    assert.ok(Number.isNaN(median([])));
  });
});
