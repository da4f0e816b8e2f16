// Scenario: the fleet (identities, records, lookups) and the mesh model (delay both ways, jitter, loss, hops).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, makeOptions } from '../../src/coap/index.js';
import { MILLINIC_PORT, NIC_PORT } from '../../src/simulator/index.js';
import { startScenario, uriOptions } from './simulator-harness.js';

test('the fleet: NICs then milliNICs on their own addresses and ports, DNS records, lookups', async () => {
  const s = await startScenario({ count: 3, milliNicCount: 2, plugtestCount: 0 });
  const kinds = s.fleet.devices.map((d) => [d.identity.kind, d.address.port]);
  assert.deepEqual(kinds, [
    ['nic', NIC_PORT],
    ['nic', NIC_PORT],
    ['nic', NIC_PORT],
    ['millinic', MILLINIC_PORT],
    ['millinic', MILLINIC_PORT],
  ]);
  assert.equal(s.fleet.records.length, 5);
  for (const r of s.fleet.records) {
    assert.match(r.name, /^SSN00135005[0-9A-F]{8}\.mesh\.test$/);
    assert.equal(s.fleet.byName(r.name.toLowerCase())?.address.address, r.address);
    assert.equal(s.fleet.byAddress(r.address)?.identity.name, r.name);
  }
  const milli = s.fleet.devices[4]!;
  assert.equal((await s.request(Code.GET, '/time', [], '', { device: milli })).code, Code.CONTENT);
  assert.equal(s.fleet.byName('SSN0000000000000000.mesh.test'), undefined);
  await s.finish();
});

test('mesh delay applies both ways: a 1.5 s one-way path gives a 3 s round trip', async () => {
  const s = await startScenario({ delayMs: 1500 });
  const start = s.clock.now();
  assert.equal((await s.request(Code.GET, '/time')).code, Code.CONTENT);
  assert.equal(s.clock.now() - start >= 3000 && s.clock.now() - start < 3100, true, `took ${s.clock.now() - start} ms`);
  await s.finish();
});

test('multi-second round trips still complete: CON retransmission and deduplication cover them', async () => {
  const s = await startScenario({ delayMs: 2500, jitterMs: 500 });
  let requests = 0;
  s.network.tap((d) => {
    if (d.to.address === s.device.identity.address) requests++;
  });
  const start = s.clock.now();
  const r = await s.request(Code.GET, '/nic/info');
  assert.equal(r.code, Code.CONTENT);
  assert.ok(s.clock.now() - start >= 4000);
  assert.ok(requests >= 2, 'the client retransmitted before the answer came back');
  await s.clock.advanceAsync(5000);
  assert.equal(s.device.counters.sent, s.device.counters.received, 'every copy was answered from the deduplication cache');
  await s.finish();
});

test('mesh loss: with 30 % loss per direction nearly every request still succeeds', async () => {
  const s = await startScenario({ lossRate: 0.3 });
  let ok = 0;
  for (let i = 0; i < 20; i++) {
    const code = await s.settle(
      s.client.request(s.device.address, { code: Code.GET, options: makeOptions(uriOptions('/time')) }).then((m) => m.code, () => 0),
    );
    if (code === Code.CONTENT) ok++;
  }
  assert.ok(ok >= 18, `${ok}/20`);
  const c = s.device.counters;
  assert.ok(c.droppedIn + c.droppedOut > 0, 'datagrams were lost');
  await s.finish();
});

test('hop model: devices 1..maxHops away, delay and jitter scale with hops; links change at run time', async () => {
  const s = await startScenario({ count: 40, plugtestCount: 0, delayMs: 100, jitterMs: 20, maxHops: 4 });
  const hops = s.fleet.devices.map((d) => d.link.delayMs / 100);
  assert.deepEqual([...new Set(hops)].sort(), [1, 2, 3, 4]);
  for (const d of s.fleet.devices) assert.equal(d.link.jitterMs, (d.link.delayMs / 100) * 20);
  s.device.setLink({ delayMs: 0, jitterMs: 0, lossRate: 0 });
  const start = s.clock.now();
  await s.request(Code.GET, '/time');
  assert.ok(s.clock.now() - start <= 50, 'no mesh delay left (a one-hop path alone would take 160 ms or more)');
  await s.finish();
});
