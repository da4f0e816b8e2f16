// Scenarios (MemoryNetwork + FakeClock): the plugtest TDs that need a lossy client leg: CORE_15/16, OBS_01 (no echo), OBS_05, OBS_11.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, decode, getUintOption, makeOptions, type Message } from '../../src/coap/index.js';
import type { Datagram } from '../../src/transport/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';
import type { Received, ScriptedPeer } from '../support/scripted-peer.js';

/** Counts requests (codes 0.01-0.31) reaching device `i`. */
function deviceRequests(w: GatewayWorld, i = 0): { count: () => number; stop: () => void } {
  let n = 0;
  const address = w.device(i).identity.address;
  const stop = w.network.tap((d) => {
    const m = decode(d.data);
    if (m.ok && d.to.address === address && m.value.code >= 1 && m.value.code <= 31) n++;
  });
  return { count: () => n, stop };
}

/** Drops the first datagram from the gateway to a client that `match` accepts. */
function dropFirst(w: GatewayWorld, direction: 'to-client' | 'to-gateway', match: (m: Message) => boolean): { dropped: () => boolean; stop: () => void } {
  let dropped = false;
  const stop = w.network.tap((d: Datagram) => {
    if (dropped) return;
    const towardsGateway = d.to.address === GATEWAY.address && d.to.port === GATEWAY.port;
    const fromGateway = d.from.address === GATEWAY.address && d.from.port === GATEWAY.port;
    if ((direction === 'to-gateway' && !towardsGateway) || (direction === 'to-client' && !fromGateway)) return;
    const m = decode(d.data);
    if (!m.ok || !match(m.value)) return;
    dropped = true;
    return 'drop';
  });
  return { dropped: () => dropped, stop };
}

async function loginScripted(w: GatewayWorld, p: ScriptedPeer, account: string): Promise<void> {
  p.send(GATEWAY, { type: MessageType.CON, code: Code.POST, messageId: 1, token: Buffer.from([9]), options: makeOptions([[OptionNumber.URI_PATH, 'sessions']]), payload: `all:${account}` });
  await w.clock.advanceAsync(100);
  assert.equal(p.takeOne().code, Code.CREATED);
}

/** A CON GET Observe 0 for `path` of device 0 from the scripted peer; returns the token. */
function register(w: GatewayWorld, p: ScriptedPeer, path: string, messageId: number): Buffer {
  const token = Buffer.from('obs-td');
  const options = makeOptions([[OptionNumber.OBSERVE, 0], ...(w.proxied(path).options ?? []).map((o) => [o.number, o.value] as const)]);
  p.send(GATEWAY, { type: MessageType.CON, code: Code.GET, messageId, token, options });
  return token;
}

const ack = (w: GatewayWorld, p: ScriptedPeer, m: Message): void => p.send(GATEWAY, { type: MessageType.ACK, code: 0, messageId: m.messageId });

test('TD_COAP_CORE_15: a lost request and a lost piggybacked response: the client retransmits, the device is asked once', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const c = w.client();
  await w.login(c);
  const device = deviceRequests(w);
  const lostRequest = dropFirst(w, 'to-gateway', (m) => m.code === Code.GET);
  const r1 = await w.run(c.request(GATEWAY, w.proxied('/test?td=15a')));
  assert.equal(r1.code, Code.CONTENT);
  assert.ok(lostRequest.dropped());
  lostRequest.stop();
  const lostResponse = dropFirst(w, 'to-client', (m) => m.type === MessageType.ACK && m.code === Code.CONTENT);
  const r2 = await w.run(c.request(GATEWAY, w.proxied('/test?td=15b')));
  assert.equal(r2.code, Code.CONTENT);
  assert.ok(lostResponse.dropped());
  lostResponse.stop();
  assert.equal(device.count(), 2, 'one upstream request per client request');
  device.stop();
  await w.leakCheck();
});

test('TD_COAP_CORE_16: separate response with a lost empty ACK, a lost CON response, a lost client ACK; forwarded once each', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const p = w.scripted();
  await loginScripted(w, p, 'alice');
  const device = deviceRequests(w);
  const target = w.proxied('/slow?delay=6');
  const request = { type: MessageType.CON, code: Code.GET, messageId: 0x1600, token: Buffer.from('sep16'), options: target.options ?? [] } as const;
  // 1. the empty ACK is lost: the client's retransmission gets an empty ACK again, nothing more goes upstream
  const lostAck = dropFirst(w, 'to-client', (m) => m.type === MessageType.ACK && m.code === 0);
  p.send(GATEWAY, request);
  await w.clock.advanceAsync(2500);
  assert.ok(lostAck.dropped());
  assert.equal(p.takeAll().length, 0);
  p.send(GATEWAY, request);
  await w.clock.advanceAsync(100);
  const reAck = p.takeOne();
  assert.deepEqual([reAck.type, reAck.code, reAck.messageId], [MessageType.ACK, 0, 0x1600]);
  // 2. the CON response is lost: the gateway retransmits it with the same MID after ACK_TIMEOUT
  const lostResponse = dropFirst(w, 'to-client', (m) => m.type === MessageType.CON && m.code === Code.CONTENT);
  await w.clock.advanceAsync(4000);
  assert.ok(lostResponse.dropped());
  assert.equal(p.takeAll().length, 0, 'the first copy was lost');
  await w.clock.advanceAsync(3000);
  const copies = p.takeAll().map((r) => r.message);
  assert.equal(copies.length, 1);
  const response = copies[0] as Message;
  assert.deepEqual([response.type, response.code, response.token.toString()], [MessageType.CON, Code.CONTENT, 'sep16']);
  // 3. our ACK is lost too: another copy comes; the ACK of that one ends the retransmissions
  const lostClientAck = dropFirst(w, 'to-gateway', (m) => m.type === MessageType.ACK);
  ack(w, p, response);
  await w.clock.advanceAsync(10_000);
  assert.ok(lostClientAck.dropped());
  const again = p.takeAll().map((r) => r.message);
  assert.ok(again.length >= 1 && again.every((m) => m.messageId === response.messageId), 'the same CON again');
  ack(w, p, response);
  await w.clock.advanceAsync(60_000);
  assert.equal(p.takeAll().length, 0, 'acknowledged: no more copies');
  assert.equal(device.count(), 1, 'the device was asked once');
  for (const t of [lostAck, lostResponse, lostClientAck, device]) t.stop();
  await w.leakCheck();
});

test('TD_COAP_OBS_01: the first response is not echoed as a notification; the next one carries a new state', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const p = w.scripted();
  await loginScripted(w, p, 'alice');
  const token = register(w, p, '/obs', 0x0101);
  await w.clock.advanceAsync(100);
  const first = p.takeOne();
  assert.deepEqual([first.type, first.code, first.messageId], [MessageType.ACK, Code.CONTENT, 0x0101]);
  assert.ok(getUintOption(first, OptionNumber.OBSERVE) !== undefined);
  await w.clock.advanceAsync(1000);
  assert.equal(p.takeAll().length, 0, 'no copy of the first response');
  await w.clock.advanceAsync(5000);
  const next = p.takeOne();
  assert.ok(next.token.equals(token));
  assert.notDeepEqual(next.payload, first.payload, 'a newer state');
  ack(w, p, next);
  p.send(GATEWAY, { type: MessageType.RST, code: 0, messageId: next.messageId });
  await w.clock.advanceAsync(1000);
  await w.leakCheck();
});

/** CON notifications to the scripted client, in arrival order. */
const cons = (all: readonly Received[]): Received[] => all.filter((r) => r.message.type === MessageType.CON && r.message.code === Code.CONTENT);

test('TD_COAP_OBS_05: a client that never ACKs is given up after MAX_RETRANSMIT; the upstream observation ends', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const p = w.scripted();
  await loginScripted(w, p, 'alice');
  register(w, p, '/obs', 0x0501);
  await w.clock.advanceAsync(100);
  p.takeOne();
  assert.equal(w.device(0).observerCount('/obs'), 1);
  // silence from the client from now on
  await w.clock.advanceAsync(120_000, 100);
  const got = cons(p.takeAll());
  const timing = w.downstream.timing;
  assert.equal(got.length, 1 + timing.maxRetransmit, 'the first transmission and MAX_RETRANSMIT copies');
  const span = (got[got.length - 1] as Received).at - (got[0] as Received).at;
  assert.ok(span <= timing.maxTransmitSpanMs, `within MAX_TRANSMIT_SPAN: ${span}`);
  assert.equal(w.device(0).observerCount('/obs'), 0, 'cancelled upstream');
  assert.equal(w.gateway.stats().observations, 0);
  await w.clock.advanceAsync(30_000, 100);
  assert.equal(p.takeAll().length, 0, 'nothing more for the client that is gone');
  await w.leakCheck();
});

test('TD_COAP_OBS_11: lost ACKs: one CON in flight at a time, a newer state replaces it and inherits its backoff; the stream recovers', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const p = w.scripted();
  await loginScripted(w, p, 'alice');
  register(w, p, '/obs', 0x1101);
  await w.clock.advanceAsync(100);
  p.takeOne();
  // 20 s without ACKs (notifications every 5 s), then ACK everything
  await w.clock.advanceAsync(20_000, 50);
  const lossy = cons(p.takeAll());
  assert.ok(lossy.length >= 3, `transmissions while ACKs were lost: ${lossy.length}`);
  for (let i = 1; i < lossy.length; i++) {
    const prev = lossy[i - 1] as Received;
    const cur = lossy[i] as Received;
    // never a MID again once a newer one went out: at most one notification outstanding
    assert.ok(lossy.slice(i).every((r) => r.message.messageId !== prev.message.messageId || cur.message.messageId === prev.message.messageId));
    if (i >= 2) {
      // RFC 7252 §4.2 / RFC 7641 §4.5.2: each gap doubles, whether the same or a newer notification went out
      const before = prev.at - (lossy[i - 2] as Received).at;
      assert.equal(cur.at - prev.at, 2 * before, `backoff doubles: ${lossy.map((r) => r.at).join(',')}`);
    }
  }
  const mids = new Set(lossy.map((r) => r.message.messageId));
  assert.ok(mids.size >= 2, 'a newer notification replaced the one in transit');
  const states = lossy.map((r) => getUintOption(r.message, OptionNumber.OBSERVE) ?? -1);
  for (let i = 1; i < states.length; i++) assert.ok((states[i] ?? 0) >= (states[i - 1] ?? 0), `Observe never goes back: ${states.join(',')}`);
  ack(w, p, (lossy[lossy.length - 1] as Received).message);
  let acked = 0;
  for (let t = 0; t < 16_000; t += 500) {
    await w.clock.advanceAsync(500, 50);
    for (const r of cons(p.takeAll())) {
      ack(w, p, r.message);
      acked++;
    }
  }
  assert.ok(acked >= 2, `the stream goes on once ACKs arrive: ${acked}`);
  assert.equal(w.device(0).observerCount('/obs'), 1);
  // deregister by RST to the next notification
  await w.clock.advanceAsync(5000, 50);
  for (const r of cons(p.takeAll())) p.send(GATEWAY, { type: MessageType.RST, code: 0, messageId: r.message.messageId });
  await w.clock.advanceAsync(6000, 50);
  p.takeAll();
  assert.equal(w.device(0).observerCount('/obs'), 0);
  await w.leakCheck();
});
