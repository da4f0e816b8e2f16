// Scenarios (MemoryNetwork + FakeClock): plugtest Observe TDs over a lossy mesh and with several subscribers, ending in a leak check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ContentFormat, OptionNumber, decode, getUintOption, type Message } from '../../src/coap/index.js';
import type { Endpoint } from '../../src/engine/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';

function observe(w: GatewayWorld, c: Endpoint, path: string, token: string): { got: Message[]; ended: string[]; cancel: () => Promise<void>; first: Promise<Message> } {
  const got: Message[] = [];
  const ended: string[] = [];
  const obs = c.observe(GATEWAY, { options: w.proxied(path).options ?? [], token: Buffer.from(token) }, {
    onNotification: (m) => got.push(m),
    onEnd: (reason) => ended.push(reason),
  });
  return { got, ended, cancel: () => obs.cancel('proactive'), first: obs.first };
}

test('TD_COAP_OBS_01/11 over a lossy mesh (25% loss each way, 300 ms): device CON notifications ACKed by the gateway, each state reaches the client once, Observe increasing', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const device = w.device(0);
  device.setLink({ delayMs: 300, jitterMs: 100, lossRate: 0.25 });
  let deviceCons = 0;
  let gatewayAcks = 0;
  const registrations = new Set<number>();
  const untap = w.network.tap((d) => {
    const m = decode(d.data);
    if (!m.ok) return;
    if (d.to.address === device.identity.address && m.value.code === Code.GET && getUintOption(m.value, OptionNumber.OBSERVE) === 0) registrations.add(m.value.messageId);
    if (d.from.address === device.identity.address && m.value.type === 0 && m.value.code === Code.CONTENT) deviceCons++;
    if (d.to.address === device.identity.address && m.value.type === 2 && m.value.code === 0) gatewayAcks++;
  });
  const c = w.client();
  await w.login(c);
  const o = observe(w, c, '/obs', 'lossy');
  assert.equal((await w.run(o.first, 120_000)).code, Code.CONTENT);
  await w.clock.advanceAsync(120_000, 100);
  const payloads = o.got.map((m) => m.payload.toString());
  assert.ok(o.got.length >= 15, `states delivered in 120 s at a 5 s period: ${o.got.length}`);
  // Device retransmissions are absorbed; a state comes twice only as the answer to a re-registration
  // (a notification delayed past Max-Age by the lossy mesh makes the gateway register again, RFC 7641 §3.3.1).
  const ticks = payloads.map((p) => Number(p.split(' ')[1]));
  for (let i = 1; i < ticks.length; i++) assert.ok((ticks[i] ?? 0) >= (ticks[i - 1] ?? 0), `states in order: ${payloads.join(',')}`);
  const repeats = ticks.length - new Set(ticks).size;
  assert.ok(repeats <= registrations.size - 1, `${repeats} repeated states, ${registrations.size - 1} re-registrations: ${payloads.join(',')}`);
  const seq = o.got.map((m) => getUintOption(m, OptionNumber.OBSERVE) ?? -1);
  for (let i = 1; i < seq.length; i++) assert.ok((seq[i] ?? 0) > (seq[i - 1] ?? 0), `increasing: ${seq.join(',')}`);
  assert.ok(device.counters.droppedOut > 3 && device.counters.droppedIn > 3, `the mesh lost datagrams both ways: ${JSON.stringify(device.counters)}`);
  assert.ok(deviceCons >= o.got.length - 1, 'CON notifications from the device');
  assert.ok(gatewayAcks >= o.got.length - 1, `the gateway ACKed the CON notifications (${gatewayAcks})`);
  assert.deepEqual(o.ended, []);
  device.setLink({ delayMs: 0, jitterMs: 0, lossRate: 0 });
  await w.run(o.cancel());
  await w.clock.advanceAsync(10_000);
  assert.equal(device.observerCount('/obs'), 0);
  untap();
  await w.leakCheck();
});

test('TD_COAP_OBS_07 with two subscribers: the device deleting /obs ends both with 4.04 without Observe, and the shared upstream relation', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const device = w.device(0);
  const [a, b, admin] = [w.client(), w.client(), w.client()];
  await w.login(a, 'all:alice');
  await w.login(b, 'all:bob');
  await w.login(admin, 'all:carol');
  const oa = observe(w, a, '/obs', 'tokA');
  const ob = observe(w, b, '/obs', 'tokB');
  await w.run(Promise.all([oa.first, ob.first]));
  assert.equal(device.observerCount('/obs'), 1, 'one upstream relation');
  await w.clock.advanceAsync(6000);
  const del = await w.run(admin.request(GATEWAY, w.proxied('/obs', { code: Code.DELETE })));
  assert.equal(del.code, Code.DELETED);
  await w.clock.advanceAsync(1000);
  for (const o of [oa, ob]) {
    const last = o.got[o.got.length - 1];
    assert.equal(last?.code, Code.NOT_FOUND);
    assert.equal(getUintOption(last as Message, OptionNumber.OBSERVE), undefined);
    assert.deepEqual(o.ended, ['not-observed']);
  }
  assert.equal(w.gateway.stats().observations, 0);
  await w.leakCheck();
});

test('TD_COAP_OBS_08/09 with two subscribers: an update reaches both once; a Content-Format change ends both with 4.06', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const [a, b, writer] = [w.client(), w.client(), w.client()];
  await w.login(a, 'all:alice');
  await w.login(b, 'all:bob');
  await w.login(writer, 'all:carol');
  const oa = observe(w, a, '/obs', 'tokA');
  const ob = observe(w, b, '/obs', 'tokB');
  await w.run(Promise.all([oa.first, ob.first]));
  const put = (format: number, body: string): Promise<Message> =>
    w.run(writer.request(GATEWAY, w.proxied('/obs', { code: Code.PUT, options: [[OptionNumber.CONTENT_FORMAT, format]], payload: body })));
  assert.equal((await put(ContentFormat.TEXT_PLAIN, 'obs09')).code, Code.CHANGED);
  await w.clock.advanceAsync(500);
  for (const o of [oa, ob]) {
    assert.equal(o.got.filter((m) => m.payload.toString() === 'obs09').length, 1, 'the update, once');
    assert.equal(getUintOption(o.got[o.got.length - 1] as Message, OptionNumber.CONTENT_FORMAT), ContentFormat.TEXT_PLAIN);
  }
  assert.equal((await put(ContentFormat.XML, '<obs/>')).code, Code.CHANGED);
  await w.clock.advanceAsync(1000);
  for (const o of [oa, ob]) {
    const last = o.got[o.got.length - 1] as Message;
    assert.equal(last.code, Code.NOT_ACCEPTABLE);
    assert.equal(getUintOption(last, OptionNumber.OBSERVE), undefined);
    assert.deepEqual(o.ended, ['not-observed']);
  }
  assert.equal(w.device(0).observerCount('/obs'), 0);
  await w.leakCheck();
});
