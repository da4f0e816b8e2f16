// Unit tests: each device fault mode (down, reset, slow, lossy, malformed, truncated) and the rewrite hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../base/index.js';
import { decode, encode, MessageType, Code, makeOptions, OptionNumber } from '../coap/index.js';
import { MemoryNetwork } from '../transport/index.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { faultTransport, garble, truncate, NO_FAULT, type FaultSettings } from './fault-transport.js';

const DEVICE = { address: '127.1.0.1', port: 5683 };

function setup() {
  const clock = new FakeClock();
  const net = new MemoryNetwork(clock, seededRandom(1));
  let faults: FaultSettings = NO_FAULT;
  const device = faultTransport(net.bind(DEVICE.address, DEVICE.port), { clock, random: seededRandom(3), faults: () => faults });
  const client = net.bind('127.0.0.1', 0);
  const seenByDevice: Buffer[] = [];
  const seenByClient: Buffer[] = [];
  device.onDatagram((d, from) => {
    seenByDevice.push(d);
    device.send(reply(d), from);
  });
  client.onDatagram((d) => seenByClient.push(d));
  const set = (f: Partial<FaultSettings>) => (faults = { ...NO_FAULT, ...f });
  return { clock, device, client, seenByDevice, seenByClient, set };
}

const request = encode({
  type: MessageType.CON,
  code: Code.GET,
  messageId: 0x1234,
  token: Buffer.from([1, 2]),
  options: makeOptions([[OptionNumber.URI_PATH, 'time']]),
  payload: Buffer.alloc(0),
});

function reply(d: Buffer): Buffer {
  const m = decode(d);
  assert.ok(m.ok);
  return encode({
    type: MessageType.ACK,
    code: Code.CONTENT,
    messageId: m.value.messageId,
    token: m.value.token,
    options: makeOptions([[OptionNumber.CONTENT_FORMAT, 0]]),
    payload: Buffer.from('123'),
  });
}

test('healthy: requests pass and replies come back unchanged', async () => {
  const s = setup();
  s.client.send(request, DEVICE);
  s.clock.advance(0);
  assert.equal(s.seenByDevice.length, 1);
  assert.equal(s.seenByClient.length, 1);
  assert.ok(decode(s.seenByClient[0]!).ok);
  await s.device.close();
  await s.client.close();
});

test('down: nothing arrives and nothing leaves', async () => {
  const s = setup();
  s.set({ mode: 'down' });
  s.client.send(request, DEVICE);
  s.clock.advance(10);
  assert.equal(s.seenByDevice.length, 0);
  assert.equal(s.seenByClient.length, 0);
  s.set({ mode: 'none' });
  s.client.send(request, DEVICE);
  s.clock.advance(10);
  assert.equal(s.seenByClient.length, 1, 'the device comes back');
  await s.device.close();
  await s.client.close();
});

test('reset: every CON gets an RST with its message ID and the device never sees it', async () => {
  const s = setup();
  s.set({ mode: 'reset' });
  s.client.send(request, DEVICE);
  s.clock.advance(0);
  assert.equal(s.seenByDevice.length, 0);
  const rst = decode(s.seenByClient[0]!);
  assert.ok(rst.ok);
  assert.equal(rst.value.type, MessageType.RST);
  assert.equal(rst.value.code, 0);
  assert.equal(rst.value.messageId, 0x1234);
  await s.device.close();
  await s.client.close();
});

test('slow: replies leave slowMs later', async () => {
  const s = setup();
  s.set({ mode: 'slow', slowMs: 3000 });
  s.client.send(request, DEVICE);
  s.clock.advance(2999);
  assert.equal(s.seenByClient.length, 0);
  s.clock.advance(1);
  assert.equal(s.seenByClient.length, 1);
  await s.device.close();
  await s.client.close();
});

test('lossy with p = 1 loses everything, p = 0 nothing', async () => {
  const s = setup();
  s.set({ mode: 'lossy', lossRate: 1 });
  for (let i = 0; i < 10; i++) s.client.send(request, DEVICE);
  s.clock.advance(0);
  assert.equal(s.seenByDevice.length, 0);
  s.set({ mode: 'lossy', lossRate: 0 });
  s.client.send(request, DEVICE);
  s.clock.advance(0);
  assert.equal(s.seenByClient.length, 1);
  await s.device.close();
  await s.client.close();
});

test('malformed and truncated replies never decode', async () => {
  const s = setup();
  for (const mode of ['malformed', 'truncated'] as const) {
    s.set({ mode });
    s.client.send(request, DEVICE);
    s.clock.advance(0);
    const got = s.seenByClient.at(-1)!;
    assert.equal(decode(got).ok, false, mode);
  }
  const random = seededRandom(9);
  for (let i = 0; i < 200; i++) assert.equal(decode(garble(reply(request), random)).ok, false);
  assert.equal(decode(truncate(reply(request))).ok, false);
  await s.device.close();
  await s.client.close();
});

test('outgoingRewrite changes replies (used to add an unknown option)', async () => {
  const s = setup();
  s.device.outgoingRewrite = (d) => Buffer.concat([d, Buffer.from('!')]);
  s.client.send(request, DEVICE);
  s.clock.advance(0);
  assert.equal(s.seenByClient[0]!.subarray(-4).toString(), '123!');
  await s.device.close();
  await s.client.close();
});
