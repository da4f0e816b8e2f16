import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, decode, encode, getUintOption, makeOptions, type Message } from '../../src/coap/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';
import type { ScriptedPeer } from '../support/scripted-peer.js';

/** Counts the requests that reach a device address. */
function countRequests(w: GatewayWorld, address: string): { count: () => number; stop: () => void; at: number[] } {
  const at: number[] = [];
  const stop = w.network.tap((d) => {
    const m = decode(d.data);
    if (m.ok && d.to.address === address && m.value.code >= 1 && m.value.code <= 31) at.push(w.clock.now());
    return undefined;
  });
  return { count: () => at.length, stop, at };
}

async function loginScripted(w: GatewayWorld, p: ScriptedPeer, token = 'all:alice'): Promise<void> {
  p.send(GATEWAY, {
    type: MessageType.CON,
    code: Code.POST,
    messageId: 1,
    token: Buffer.from([9]),
    options: makeOptions([[OptionNumber.URI_PATH, 'sessions']]),
    payload: token,
  });
  await w.clock.advanceAsync(100);
  const m = p.takeOne();
  assert.equal(m.code, Code.CREATED);
}

function proxiedBytes(w: GatewayWorld, path: string, messageId: number, type: 0 | 1 = MessageType.CON, extra: Array<[number, Buffer | string | number]> = []): Buffer {
  const d = w.device(0).identity;
  return encode({
    type,
    code: Code.GET,
    messageId,
    token: Buffer.from([0xab, 0xcd]),
    options: makeOptions([[OptionNumber.PROXY_URI, `coap://${d.name}${path}`], ...extra]),
    payload: Buffer.alloc(0),
  });
}

test('a slow device: empty ACK at once, the answer later as a separate CON; duplicates re-ACKed, forwarded once (R12, R20)', async () => {
  const w = await GatewayWorld.create();
  const p = w.scripted();
  await loginScripted(w, p);
  const counter = countRequests(w, w.device(0).identity.address);
  const datagram = proxiedBytes(w, '/slow?delay=5', 0x1234);
  p.send(GATEWAY, datagram);
  await w.clock.advanceAsync(500);
  p.send(GATEWAY, datagram);
  await w.clock.advanceAsync(1500);
  p.send(GATEWAY, datagram);
  await w.clock.advanceAsync(100);
  const early = p.takeAll().map((r) => r.message);
  assert.equal(early.length, 3, 'one empty ACK per copy');
  for (const m of early) {
    assert.equal(m.type, MessageType.ACK);
    assert.equal(m.code, 0);
    assert.equal(m.messageId, 0x1234);
  }
  await w.clock.advanceAsync(5000);
  const late = p.takeAll().map((r) => r.message);
  assert.equal(late.length, 1);
  const response = late[0] as Message;
  assert.equal(response.type, MessageType.CON);
  assert.equal(response.code, Code.CONTENT);
  assert.deepEqual(response.token, Buffer.from([0xab, 0xcd]));
  assert.equal(counter.count(), 1, 'the device got the request once');
  // ACK the separate response, then a late duplicate of the request gets an empty ACK again (R15)
  p.send(GATEWAY, { type: MessageType.ACK, code: 0, messageId: response.messageId });
  await w.clock.advanceAsync(100);
  p.send(GATEWAY, datagram);
  await w.clock.advanceAsync(100);
  const again = p.takeOne();
  assert.equal(again.type, MessageType.ACK);
  assert.equal(counter.count(), 1);
  counter.stop();
  await w.leakCheck();
});

test('a fast device answer is piggybacked in the ACK (R21)', async () => {
  const w = await GatewayWorld.create();
  const p = w.scripted();
  await loginScripted(w, p);
  p.send(GATEWAY, proxiedBytes(w, '/time', 0x2000));
  await w.clock.advanceAsync(200);
  const m = p.takeOne();
  assert.equal(m.type, MessageType.ACK);
  assert.equal(m.code, Code.CONTENT);
  assert.equal(m.messageId, 0x2000);
  await w.leakCheck();
});

test('no answer within the deadline: 5.04 as a separate response (R48)', async () => {
  const w = await GatewayWorld.create({ settings: { upstreamDeadlineMs: 3000 } });
  w.device(0).setFault('down');
  const c = w.client();
  await w.login(c);
  const started = w.clock.now();
  const r = await w.run(c.request(GATEWAY, w.proxied('/time')));
  assert.equal(r.code, Code.GATEWAY_TIMEOUT);
  assert.match(r.payload.toString(), /No answer/);
  assert.ok(w.clock.now() - started >= 3000 && w.clock.now() - started < 4000);
  w.device(0).setFault('none');
  await w.leakCheck();
});

test('NSTART 1 per device: requests queue; a full queue answers 5.03 with Max-Age (R16, R50)', async () => {
  const w = await GatewayWorld.create({ settings: { deviceQueueLimit: 2, queueFullMaxAgeSec: 7 } });
  // four clients: one client endpoint would itself keep NSTART 1 towards the gateway
  const clients = [w.client(), w.client(), w.client(), w.client()];
  for (const c of clients) await w.login(c);
  let outstanding = 0;
  let maxOutstanding = 0;
  const device = w.device(0).identity.address;
  const untap = w.network.tap((d) => {
    const m = decode(d.data);
    if (!m.ok) return undefined;
    if (d.to.address === device && m.value.code >= 1 && m.value.code <= 31) maxOutstanding = Math.max(maxOutstanding, ++outstanding);
    if (d.from.address === device && m.value.code >= 64) outstanding--;
    return undefined;
  });
  // distinct queries: identical GETs would be coalesced into one upstream request
  const requests = clients.map((c, i) => c.request(GATEWAY, w.proxied(`/slow?delay=2&i=${i}`), { timeoutMs: 60_000 }));
  const results = await w.run(Promise.all(requests));
  untap();
  const codes = results.map((r) => r.code).sort();
  assert.deepEqual(codes, [Code.CONTENT, Code.CONTENT, Code.CONTENT, Code.SERVICE_UNAVAILABLE].sort());
  const busy = results.find((r) => r.code === Code.SERVICE_UNAVAILABLE);
  assert.equal(busy && getUintOption(busy, OptionNumber.MAX_AGE), 7);
  assert.equal(maxOutstanding, 1, 'never two requests outstanding at one device');
  await w.leakCheck();
});

test('CoAP ping is answered with RST by the gateway and never forwarded (R07)', async () => {
  const w = await GatewayWorld.create();
  const counter = countRequests(w, w.device(0).identity.address);
  const p = w.scripted();
  p.send(GATEWAY, Buffer.from([0x40, 0x00, 0x12, 0x34]));
  await w.clock.advanceAsync(100);
  const rst = p.takeOne();
  assert.equal(rst.type, MessageType.RST);
  assert.equal(rst.messageId, 0x1234);
  assert.equal(counter.count(), 0);
  counter.stop();
  await w.leakCheck();
});

test('No-Response 2.xx: the CON is ACKed, no response follows; errors still come (RFC 7967)', async () => {
  const w = await GatewayWorld.create();
  const p = w.scripted();
  await loginScripted(w, p);
  p.send(GATEWAY, proxiedBytes(w, '/time', 0x3000, MessageType.CON, [[OptionNumber.NO_RESPONSE, 2]]));
  await w.clock.advanceAsync(3000);
  const got = p.takeAll().map((r) => r.message);
  assert.equal(got.length, 1);
  assert.equal(got[0]?.type, MessageType.ACK);
  assert.equal(got[0]?.code, 0);
  p.send(GATEWAY, proxiedBytes(w, '/dummy', 0x3001, MessageType.NON, [[OptionNumber.NO_RESPONSE, 2]]));
  await w.clock.advanceAsync(3000);
  const error = p.takeOne();
  assert.equal(error.code, Code.NOT_IMPLEMENTED);
  await w.leakCheck();
});

test('strictOptions: an unknown Unsafe option is 4.02 and not forwarded; default mode forwards it (R28)', async () => {
  for (const strict of [true, false]) {
    const w = await GatewayWorld.create({ settings: { strictOptions: strict } });
    const c = w.client();
    await w.login(c);
    const counter = countRequests(w, w.device(0).identity.address);
    const r = await w.run(c.request(GATEWAY, w.proxied('/time', { options: [[2050, 'x']] })));
    counter.stop();
    if (strict) {
      assert.equal(r.code, Code.BAD_OPTION);
      assert.equal(counter.count(), 0);
    } else {
      assert.equal(r.code, Code.CONTENT);
      assert.equal(counter.count(), 1);
    }
    await w.leakCheck();
  }
});

test('strictOptions: a device response with an unknown Unsafe option becomes 5.02 (R30)', async () => {
  const w = await GatewayWorld.create({ settings: { strictOptions: true } });
  w.device(0).setResponseOption(2050);
  const c = w.client();
  await w.login(c);
  const r = await w.run(c.request(GATEWAY, w.proxied('/time')));
  assert.equal(r.code, Code.BAD_GATEWAY);
  w.device(0).setResponseOption(undefined);
  await w.leakCheck();
});

test('a NON request for a slow device gets a NON response and no ACK (R22)', async () => {
  const w = await GatewayWorld.create();
  const p = w.scripted();
  await loginScripted(w, p);
  p.send(GATEWAY, proxiedBytes(w, '/slow?delay=3', 0x4000, MessageType.NON));
  await w.clock.advanceAsync(5000);
  const m = p.takeOne();
  assert.equal(m.type, MessageType.NON);
  assert.equal(m.code, Code.CONTENT);
  await w.leakCheck();
});
