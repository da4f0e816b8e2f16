// Unit tests: the mesh wrapper delays and drops datagrams in both directions and cleans up on close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../base/index.js';
import { MemoryNetwork, type PeerAddress } from '../transport/index.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { linkForHops, meshTransport, type LinkQuality } from './mesh-transport.js';

function setup(link: LinkQuality) {
  const clock = new FakeClock();
  const net = new MemoryNetwork(clock, seededRandom(1));
  let quality = link;
  const device = meshTransport(net.bind('127.1.0.1', 5683), { clock, random: seededRandom(2), link: () => quality });
  const peer = net.bind('127.0.0.1', 0);
  const atDevice: Array<{ at: number; data: string }> = [];
  const atPeer: Array<{ at: number; data: string }> = [];
  device.onDatagram((d, from: PeerAddress) => {
    atDevice.push({ at: clock.now(), data: d.toString() });
    device.send(Buffer.from(`echo ${d.toString()}`), from);
  });
  peer.onDatagram((d) => atPeer.push({ at: clock.now(), data: d.toString() }));
  return { clock, net, device, peer, atDevice, atPeer, setLink: (q: LinkQuality) => (quality = q) };
}

test('a perfect link delivers at once in both directions', async () => {
  const s = setup({ delayMs: 0, jitterMs: 0, lossRate: 0 });
  s.peer.send(Buffer.from('a'), { address: '127.1.0.1', port: 5683 });
  s.clock.advance(0);
  assert.deepEqual(s.atPeer, [{ at: 0, data: 'echo a' }]);
  assert.equal(s.device.inFlight, 0);
  await s.device.close();
  await s.peer.close();
});

test('delay applies to each direction, so a round trip takes twice the one-way delay', async () => {
  const s = setup({ delayMs: 1500, jitterMs: 0, lossRate: 0 });
  s.peer.send(Buffer.from('x'), { address: '127.1.0.1', port: 5683 });
  s.clock.advance(1499);
  assert.equal(s.atDevice.length, 0);
  s.clock.advance(1);
  assert.deepEqual(s.atDevice, [{ at: 1500, data: 'x' }]);
  s.clock.advance(1499);
  assert.equal(s.atPeer.length, 0);
  s.clock.advance(1);
  assert.deepEqual(s.atPeer, [{ at: 3000, data: 'echo x' }]);
  assert.deepEqual({ ...s.device.counters }, { sent: 1, received: 1, droppedIn: 0, droppedOut: 0 });
  await s.device.close();
  await s.peer.close();
});

test('jitter stays within delay ± jitter', async () => {
  const s = setup({ delayMs: 1000, jitterMs: 400, lossRate: 0 });
  for (let i = 0; i < 200; i++) s.peer.send(Buffer.from(String(i)), { address: '127.1.0.1', port: 5683 });
  s.clock.advance(5000);
  assert.equal(s.atDevice.length, 200);
  const times = s.atDevice.map((r) => r.at);
  assert.ok(Math.min(...times) >= 600 && Math.max(...times) <= 1400);
  assert.ok(Math.max(...times) - Math.min(...times) > 400, 'delays actually vary');
  await s.device.close();
  await s.peer.close();
});

test('loss drops about the configured share per direction and can change at run time', async () => {
  const s = setup({ delayMs: 0, jitterMs: 0, lossRate: 0.3 });
  for (let i = 0; i < 2000; i++) s.peer.send(Buffer.from('p'), { address: '127.1.0.1', port: 5683 });
  s.clock.advance(0);
  const c = s.device.counters;
  assert.ok(c.droppedIn > 450 && c.droppedIn < 750, `droppedIn ${c.droppedIn}`);
  assert.equal(c.received, 2000 - c.droppedIn);
  assert.ok(c.droppedOut > 0.2 * c.received && c.droppedOut < 0.4 * c.received, `droppedOut ${c.droppedOut}`);
  s.setLink({ delayMs: 0, jitterMs: 0, lossRate: 1 });
  const before = s.atDevice.length;
  s.peer.send(Buffer.from('q'), { address: '127.1.0.1', port: 5683 });
  s.clock.advance(0);
  assert.equal(s.atDevice.length, before);
  await s.device.close();
  await s.peer.close();
});

test('close cancels datagrams still travelling', async () => {
  const s = setup({ delayMs: 1000, jitterMs: 0, lossRate: 0 });
  s.peer.send(Buffer.from('late'), { address: '127.1.0.1', port: 5683 });
  s.clock.advance(10);
  assert.equal(s.device.inFlight, 1);
  await s.device.close();
  assert.equal(s.clock.pendingTimers, 0);
  s.clock.advance(5000);
  assert.equal(s.atDevice.length, 0);
  await s.peer.close();
});

test('linkForHops scales delay and jitter with the hop count', () => {
  assert.deepEqual(linkForHops(3, 200, 50, 0.1), { delayMs: 600, jitterMs: 150, lossRate: 0.1 });
});
