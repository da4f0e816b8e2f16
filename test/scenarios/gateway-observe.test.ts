import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, decode, getUintOption, makeOptions, type Message } from '../../src/coap/index.js';
import type { Endpoint } from '../../src/engine/index.js';
import type { ScriptedPeer } from '../support/scripted-peer.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';

function observeTime(w: GatewayWorld, c: Endpoint, token: string): { got: Message[]; ended: string[]; cancel: (mode?: 'proactive' | 'reactive') => Promise<void>; first: Promise<Message> } {
  const got: Message[] = [];
  const ended: string[] = [];
  const req = w.proxied('/time');
  const obs = c.observe(GATEWAY, { options: req.options ?? [], token: Buffer.from(token) }, {
    onNotification: (m) => got.push(m),
    onEnd: (reason) => ended.push(reason),
  });
  return { got, ended, cancel: (mode) => obs.cancel(mode), first: obs.first };
}

/** Counts Observe registrations (GET with Observe 0) reaching a device. */
function countRegistrations(w: GatewayWorld, address: string): { count: () => number; stop: () => void } {
  let n = 0;
  const stop = w.network.tap((d) => {
    const m = decode(d.data);
    if (m.ok && d.to.address === address && m.value.code === Code.GET && getUintOption(m.value, OptionNumber.OBSERVE) === 0) n++;
    return undefined;
  });
  return { count: () => n, stop };
}

test('two clients observing one resource share one upstream observation; each gets its own token (R63, R66)', async () => {
  const w = await GatewayWorld.create();
  const device = w.device(0);
  const regs = countRegistrations(w, device.identity.address);
  const a = w.client();
  const b = w.client();
  await w.login(a, 'all:alice');
  await w.login(b, 'all:bob');
  const oa = observeTime(w, a, 'tokA');
  const first = await w.run(oa.first);
  assert.equal(first.code, Code.CONTENT);
  assert.ok(getUintOption(first, OptionNumber.OBSERVE) !== undefined, 'the first response carries Observe');
  const ob = observeTime(w, b, 'tokB');
  await w.run(ob.first);
  assert.equal(device.observerCount('/time'), 1, 'one upstream observer at the device');
  await w.clock.advanceAsync(16_000);
  assert.ok(oa.got.length >= 3, `client A got ${oa.got.length} notifications`);
  assert.ok(ob.got.length >= 3, `client B got ${ob.got.length} notifications`);
  for (const m of oa.got) assert.deepEqual(m.token, Buffer.from('tokA'));
  for (const m of ob.got) assert.deepEqual(m.token, Buffer.from('tokB'));
  // sequence numbers increase per client (RFC 7641 §4.4)
  const seq = oa.got.map((m) => getUintOption(m, OptionNumber.OBSERVE) ?? -1);
  for (let i = 1; i < seq.length; i++) assert.ok((seq[i] ?? 0) > (seq[i - 1] ?? 0), `increasing: ${seq.join(',')}`);

  // A leaves (GET Observe 1): B keeps receiving, the device still has one observer
  await w.run(oa.cancel('proactive'));
  const before = ob.got.length;
  await w.clock.advanceAsync(11_000);
  assert.ok(ob.got.length > before);
  assert.equal(device.observerCount('/time'), 1);
  // B leaves by RST (reactive cancel): the upstream observation ends
  await w.run(ob.cancel('reactive'));
  await w.clock.advanceAsync(11_000);
  assert.equal(device.observerCount('/time'), 0, 'upstream cancelled when the last subscriber left');
  assert.equal(regs.count(), 1, 'one registration upstream');
  regs.stop();
  await w.leakCheck();
});

test('logging out ends the subscription and cancels the upstream observation it alone held (SPEC §3.2)', async () => {
  const w = await GatewayWorld.create();
  const device = w.device(0);
  const a = w.client();
  await w.login(a);
  const oa = observeTime(w, a, 'tokA');
  await w.run(oa.first);
  assert.equal(device.observerCount('/time'), 1);
  const del = await w.run(a.request(GATEWAY, { code: Code.DELETE, options: makeOptions([[OptionNumber.URI_PATH, 'sessions']]) }));
  assert.equal(del.code, Code.DELETED);
  await w.clock.advanceAsync(11_000);
  assert.equal(device.observerCount('/time'), 0);
  assert.equal(w.gateway.stats().observations, 0);
  await w.run(oa.cancel('reactive'));
  await w.leakCheck();
});

test('a plain GET during an observation does not disturb it (R76)', async () => {
  const w = await GatewayWorld.create();
  const a = w.client();
  await w.login(a);
  const oa = observeTime(w, a, 'tokA');
  await w.run(oa.first);
  const plain = await w.run(a.request(GATEWAY, w.proxied('/time')));
  assert.equal(plain.code, Code.CONTENT);
  assert.equal(getUintOption(plain, OptionNumber.OBSERVE), undefined);
  const before = oa.got.length;
  await w.clock.advanceAsync(11_000);
  assert.ok(oa.got.length > before);
  await w.run(oa.cancel('proactive'));
  await w.leakCheck();
});

test('observing a resource that is not observable gives a plain response (R64)', async () => {
  const w = await GatewayWorld.create();
  const a = w.client();
  await w.login(a);
  const req = w.proxied('/nic/info');
  const ended: string[] = [];
  const obs = a.observe(GATEWAY, { options: req.options ?? [] }, { onNotification: () => undefined, onEnd: (r) => ended.push(r) });
  const first = await w.run(obs.first);
  assert.equal(first.code, Code.CONTENT);
  assert.equal(getUintOption(first, OptionNumber.OBSERVE), undefined);
  await w.clock.advanceAsync(1000);
  assert.equal(w.gateway.stats().observations, 0);
  await w.leakCheck();
});

test('observing without a session is 4.01 and registers nothing upstream', async () => {
  const w = await GatewayWorld.create();
  const a = w.client();
  const oa = observeTime(w, a, 'tokA');
  const first = await w.run(oa.first);
  assert.equal(first.code, Code.UNAUTHORIZED);
  assert.equal(getUintOption(first, OptionNumber.OBSERVE), undefined);
  assert.equal(w.device(0).observerCount('/time'), 0);
  await w.leakCheck();
});

test('a device that restarts and forgets its observers is re-registered by the gateway; the client stream goes on (TD_COAP_OBS_04)', async () => {
  const w = await GatewayWorld.create();
  const device = w.device(0);
  const regs = countRegistrations(w, device.identity.address);
  const a = w.client();
  await w.login(a);
  const oa = observeTime(w, a, 'tokA');
  await w.run(oa.first);
  await w.clock.advanceAsync(6000);
  await w.run(device.restart());
  assert.equal(device.observerCount('/time'), 0, 'the restarted device forgot the gateway');
  const before = oa.got.length;
  await w.clock.advanceAsync(30_000);
  assert.equal(device.observerCount('/time'), 1, 'the gateway registered again');
  assert.ok(oa.got.length >= before + 3, `notifications after the restart: ${oa.got.length - before}`);
  assert.equal(regs.count(), 2);
  assert.deepEqual(oa.ended, []);
  await w.run(oa.cancel('proactive'));
  await w.clock.advanceAsync(6000);
  assert.equal(device.observerCount('/time'), 0);
  regs.stop();
  await w.leakCheck();
});

test('a device that stops answering for good ends the observation with 5.04 for its subscribers', async () => {
  const w = await GatewayWorld.create();
  const device = w.device(0);
  const a = w.client();
  await w.login(a);
  const oa = observeTime(w, a, 'tokA');
  await w.run(oa.first);
  device.setFault('down');
  await w.clock.advanceAsync(600_000, 100);
  const last = oa.got[oa.got.length - 1];
  assert.equal(last?.code, Code.GATEWAY_TIMEOUT);
  assert.deepEqual(oa.ended, ['not-observed']);
  assert.equal(w.gateway.stats().observations, 0);
  device.setFault('none');
  await w.leakCheck();
});

/** Logs `account` in sticky from a new raw socket; returns it with the 2.01 taken. */
async function stickyLoginFromNewSocket(w: GatewayWorld, token: string): Promise<ScriptedPeer> {
  const b = w.scripted();
  b.send(GATEWAY, { type: 0, code: Code.POST, messageId: 1, token: Buffer.from([1]), options: makeOptions([[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.URI_QUERY, 'sticky=true']]), payload: token });
  await w.clock.advanceAsync(100);
  assert.equal(b.takeOne().code, Code.CREATED);
  return b;
}

/** Advances in small steps, ACKing every CON the raw socket gets (as a live client does); returns what came. */
async function receiveAcking(w: GatewayWorld, p: ScriptedPeer, ms: number): Promise<Message[]> {
  const got: Message[] = [];
  for (let t = 0; t < ms; t += 250) {
    await w.clock.advanceAsync(250);
    for (const { message } of p.takeAll()) {
      got.push(message);
      if (message.type === MessageType.CON) p.send(GATEWAY, { type: MessageType.ACK, code: 0, messageId: message.messageId });
    }
  }
  return got;
}

test('a sticky login from a new socket takes the observation along: same token, CON notifications now and then (SPEC §3.2, RFC 7641 §4.5)', async () => {
  const w = await GatewayWorld.create();
  const device = w.device(0);
  const a = w.client();
  await w.login(a, 'all:erin:1', true);
  const oa = observeTime(w, a, 'tokA');
  await w.run(oa.first);
  const b = await stickyLoginFromNewSocket(w, 'all:erin:1');
  const atA = oa.got.length;
  const moved = await receiveAcking(w, b, 30_000);
  assert.ok(moved.length >= 6, `notifications at the new socket: ${moved.length}`);
  for (const m of moved) {
    assert.deepEqual(m.token, Buffer.from('tokA'));
    assert.equal(m.code, Code.CONTENT);
    assert.ok(getUintOption(m, OptionNumber.OBSERVE) !== undefined);
  }
  // the engine sends them: the first asks the new socket to confirm, then at least every 5th is CON
  assert.equal(moved[0]?.type, MessageType.CON, 'the first notification at the new socket is CON');
  const types = moved.map((m) => m.type);
  for (let i = 0; i + 5 <= types.length; i++) assert.ok(types.slice(i, i + 5).includes(MessageType.CON), `a CON among notifications ${i}..${i + 4}: ${types.join('')}`);
  assert.equal(new Set(moved.map((m) => m.messageId)).size, moved.length, 'a new message ID each');
  assert.equal(oa.got.length, atA, 'the old socket hears nothing more');
  assert.equal(device.observerCount('/time'), 1);
  // the new socket deregisters with the same token (RFC 7641 §3.6)
  b.send(GATEWAY, { type: 0, code: Code.GET, messageId: 2, token: Buffer.from('tokA'), options: makeOptions([[OptionNumber.OBSERVE, 1], ...(w.proxied('/time').options ?? []).map((o) => [o.number, o.value] as const)]) });
  await w.clock.advanceAsync(11_000);
  b.takeAll();
  assert.equal(device.observerCount('/time'), 0);
  assert.equal(w.gateway.stats().subscribers, 0);
  await w.run(oa.cancel('reactive'));
  await w.leakCheck();
});

test('an RST from the new socket to a moved notification ends that subscriber; the last one cancels upstream (RFC 7641 §3.6)', async () => {
  const w = await GatewayWorld.create();
  const device = w.device(0);
  const a = w.client();
  await w.login(a, 'all:erin:1', true);
  const oa = observeTime(w, a, 'tokA');
  await w.run(oa.first);
  const b = await stickyLoginFromNewSocket(w, 'all:erin:1');
  assert.equal(w.gateway.stats().subscribers, 1);
  // the new socket does not know the token: it rejects the first notification
  let rejected = 0;
  for (let t = 0; t < 20_000 && rejected === 0; t += 250) {
    await w.clock.advanceAsync(250);
    for (const { message } of b.takeAll()) {
      b.send(GATEWAY, { type: MessageType.RST, code: 0, messageId: message.messageId });
      rejected++;
    }
  }
  assert.equal(rejected, 1);
  await w.clock.advanceAsync(11_000);
  assert.deepEqual(b.takeAll(), [], 'nothing more after the RST');
  assert.equal(w.gateway.stats().subscribers, 0);
  assert.equal(w.gateway.stats().observations, 0);
  assert.equal(device.observerCount('/time'), 0, 'the upstream observation was cancelled');
  await w.run(oa.cancel('reactive'));
  await w.leakCheck();
});
