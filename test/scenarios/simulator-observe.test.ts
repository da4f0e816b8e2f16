// Scenario: Observe on the devices: periodic and change notifications, CON/NON, 4.04 on DELETE, Block2, reboot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, getOption, getUintOption, makeOptions, type Message } from '../../src/coap/index.js';
import type { ObservationEndReason } from '../../src/engine/index.js';
import { startScenario, text, uriOptions, type Scenario } from './simulator-harness.js';

function observe(s: Scenario, uri: string, extra: Parameters<typeof uriOptions>[1] = []) {
  const seen: Message[] = [];
  const ended: ObservationEndReason[] = [];
  const obs = s.client.observe(
    s.device.address,
    { options: makeOptions(uriOptions(uri, extra)) },
    { onNotification: (m) => seen.push(m), onEnd: (r) => ended.push(r) },
  );
  return { obs, seen, ended };
}

test('/time notifies every observe period with increasing Observe numbers; cancel ends it (RFC 7641 §3.6, §4.2)', async () => {
  const s = await startScenario({ config: { observePeriodMs: 5000 } });
  const o = observe(s, '/time');
  await s.settle(o.obs.first);
  assert.equal(s.device.observerCount('/time'), 1);
  await s.clock.advanceAsync(15_000);
  assert.equal(o.seen.length, 4, 'the registration response and three notifications');
  const seconds = o.seen.map((m) => Number(text(m)));
  assert.deepEqual(seconds.slice(1).map((v, i) => v - seconds[i]!), [5, 5, 5]);
  const numbers = o.seen.map((m) => getUintOption(m, OptionNumber.OBSERVE)!);
  for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i]! > numbers[i - 1]!, 'Observe increases');
  await s.settle(o.obs.cancel());
  assert.equal(s.device.observerCount(), 0);
  await s.clock.advanceAsync(20_000);
  assert.equal(o.seen.length, 4, 'nothing after the cancellation');
  await s.finish();
});

test('/gpio observers hear PUTs from another client and input pin changes', async () => {
  const s = await startScenario();
  const o = observe(s, '/gpio');
  await s.settle(o.obs.first);
  assert.equal((await s.request(Code.PUT, '/gpio', [], 'relay=1')).code, Code.CHANGED);
  await s.clock.advanceAsync(10);
  assert.match(text(o.seen.at(-1)!), /0 relay out 1/);
  s.device.setInput(3, 1);
  await s.clock.advanceAsync(10);
  assert.match(text(o.seen.at(-1)!), /3 tamper in 1/);
  assert.equal(o.seen.length, 3);
  assert.throws(() => s.device.setInput(0, 1), RangeError, 'outputs are not inputs');
  await s.settle(o.obs.cancel());
  await s.finish();
});

test('/obs sends CON notifications, /obs-non NON ones (TD_COAP_OBS_01/02)', async () => {
  const s = await startScenario();
  const con = observe(s, '/obs');
  const non = observe(s, '/obs-non');
  await s.settle(Promise.all([con.obs.first, non.obs.first]));
  await s.clock.advanceAsync(10_000);
  assert.ok(con.seen.length >= 3 && non.seen.length >= 3);
  assert.ok(con.seen.slice(1).every((m) => m.type === MessageType.CON));
  assert.ok(non.seen.slice(1).some((m) => m.type === MessageType.NON));
  await s.settle(Promise.all([con.obs.cancel(), non.obs.cancel()]));
  await s.finish();
});

test('DELETE /obs ends observations with 4.04 without Observe (TD_COAP_OBS_07, RFC 7641 §3.2)', async () => {
  const s = await startScenario();
  const o = observe(s, '/obs');
  await s.settle(o.obs.first);
  assert.equal((await s.request(Code.DELETE, '/obs')).code, Code.DELETED);
  await s.clock.advanceAsync(100);
  const last = o.seen.at(-1)!;
  assert.equal(last.code, Code.NOT_FOUND);
  assert.equal(getOption(last, OptionNumber.OBSERVE), undefined);
  assert.deepEqual(o.ended, ['not-observed']);
  assert.equal(s.device.observerCount(), 0);
  await s.finish();
});

test('/obs-large notifications carry the first block only (RFC 7959 §2.6, TD_COAP_OBS_13)', async () => {
  const s = await startScenario();
  const o = observe(s, '/obs-large', [[OptionNumber.BLOCK2, Buffer.from([0x02])]]);
  await s.settle(o.obs.first);
  await s.clock.advanceAsync(5000);
  assert.ok(o.seen.length >= 2);
  for (const m of o.seen) {
    assert.equal(getUintOption(m, OptionNumber.BLOCK2), 0x0a, 'NUM 0, M 1, SZX 2');
    assert.equal(m.payload.length, 64);
  }
  await s.settle(o.obs.cancel());
  await s.finish();
});

test('a restarted device forgets its observers and its volatile state (TD_COAP_OBS_04)', async () => {
  const s = await startScenario();
  assert.equal((await s.request(Code.PUT, '/time', [], '1000')).code, Code.CHANGED);
  const o = observe(s, '/time');
  await s.settle(o.obs.first);
  await s.device.restart();
  assert.equal(s.device.observerCount(), 0);
  const count = o.seen.length;
  await s.clock.advanceAsync(20_000);
  assert.equal(o.seen.length, count, 'no notifications after the reboot');
  assert.notEqual(text(await s.request(Code.GET, '/time')), '1000', 'the clock offset is gone');
  const info = JSON.parse(text(await s.request(Code.GET, '/nic/info')));
  assert.equal(info.reboots, 1);
  assert.ok(info.uptimeS >= 20 && info.uptimeS < 22, `uptime ${info.uptimeS} counts from the reboot`);
  // A fresh registration works on the rebooted device.
  o.obs.reregister();
  await s.clock.advanceAsync(100);
  assert.equal(s.device.observerCount('/time'), 1);
  await s.settle(o.obs.cancel());
  await s.finish();
});

test('a device keeps at most 256 observers; the next registration gets a plain answer (RFC 7641 §4.1)', async () => {
  const s = await startScenario();
  const all = Array.from({ length: 257 }, () => observe(s, '/gpio'));
  await s.settle(Promise.all(all.map((o) => o.obs.first)));
  assert.equal(s.device.observerCount('/gpio'), 256);
  const last = all[256]!;
  assert.equal(getOption(last.seen[0]!, OptionNumber.OBSERVE), undefined);
  assert.deepEqual(last.ended, ['not-observed']);
  await s.settle(Promise.all(all.slice(0, 256).map((o) => o.obs.cancel())));
  assert.equal(s.device.observerCount(), 0);
  await s.finish();
});
