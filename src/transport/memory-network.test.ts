// Tests of the in-memory network: delay, loss, taps, closing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../base/index.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { MemoryNetwork } from './memory-network.js';

test('MemoryNetwork delivers after the link delay, on the injected clock', () => {
  const clock = new FakeClock();
  const net = new MemoryNetwork(clock, seededRandom(1));
  const a = net.bind('10.0.0.1');
  const b = net.bind('10.0.0.2', 5683);
  assert.equal(b.local.port, 5683);
  assert.ok(a.local.port >= 49152);
  net.setLink('10.0.0.1', '10.0.0.2', { delayMs: 250 });
  const got: Array<[string, number]> = [];
  b.onDatagram((d, from) => got.push([d.toString(), from.port]));
  const sent = Buffer.from('ping');
  a.send(sent, b.local);
  sent.write('XXXX');
  clock.advance(249);
  assert.deepEqual(got, []);
  clock.advance(1);
  assert.deepEqual(got, [['ping', a.local.port]], 'the wire copied the bytes at send time');
  assert.equal(clock.pendingTimers, 0);
});

test('MemoryNetwork loss, taps, unreachable ports and closing', () => {
  const clock = new FakeClock();
  const net = new MemoryNetwork(clock, seededRandom(7));
  const a = net.bind('10.0.0.1');
  const b = net.bind('10.0.0.2');
  assert.throws(() => net.bind('10.0.0.2', b.local.port), /in use/);
  let received = 0;
  b.onDatagram(() => received++);
  net.setLink('10.0.0.1', '10.0.0.2', { delayMs: 10, loss: 0.5 });
  for (let i = 0; i < 1000; i++) a.send(Buffer.from([i & 0xff]), b.local);
  clock.advance(10);
  assert.ok(received > 400 && received < 600, `about half arrive (${received})`);
  net.setLink('10.0.0.1', '10.0.0.2', { delayMs: 10 });
  const untap = net.tap((d) => (d.data[0] === 0xaa ? 'drop' : undefined));
  received = 0;
  a.send(Buffer.from([0xaa]), b.local);
  a.send(Buffer.from([0xbb]), b.local);
  a.send(Buffer.from([0xcc]), { address: '10.0.0.2', port: 1 });
  clock.advance(10);
  assert.equal(received, 1);
  assert.equal(net.counters.unreachable, 1);
  untap();
  a.send(Buffer.from([0xaa]), b.local);
  assert.equal(net.pendingDeliveries, 1);
  void b.close();
  assert.equal(net.pendingDeliveries, 0, 'closing cancels deliveries to it');
  assert.equal(clock.pendingTimers, 0);
  clock.advance(100);
  assert.equal(received, 1);
});
