// Tests of the deduplicator: token rule, caps, lifetimes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { Peer } from '../peer.js';
import { TimerQueue } from '../timer-queue.js';
import { Deduplicator } from './deduplicator.js';
import { NONE } from './dedup-store.js';

function setup(perPeer: number, total: number) {
  const clock = new FakeClock();
  const timers = new TimerQueue(clock);
  const emptied: Peer[] = [];
  const dedup = new Deduplicator({ exchangeLifetimeMs: 1000, nonLifetimeMs: 600, perPeer, total }, timers, (p) => emptied.push(p));
  const peer = (n: number) => new Peer(n, { address: `10.0.0.${n}`, port: 1 }, 0, () => undefined);
  return { clock, timers, dedup, emptied, peer };
}

test('find matches ID and token; another token drops the old entry', () => {
  const { dedup, peer } = setup(10, 10);
  const p = peer(1);
  dedup.add(p, 7, 100, 0, true, 0);
  assert.notEqual(dedup.find(p, 7, 100, 0), NONE);
  assert.equal(dedup.find(p, 7, 101, 0), NONE);
  assert.equal(dedup.find(p, 7, 100, 0), NONE, 'the old entry is gone');
  assert.equal(dedup.size, 0);
});

test('per-peer cap evicts that peer oldest-first in O(1); total cap evicts globally oldest', () => {
  const { dedup, peer } = setup(3, 5);
  const a = peer(1);
  const b = peer(2);
  for (let mid = 0; mid < 5; mid++) dedup.add(a, mid, 0, 0, true, mid);
  assert.deepEqual(dedup.messageIdsOf(a), [2, 3, 4]);
  dedup.add(b, 0, 0, 0, false, 10);
  dedup.add(b, 1, 0, 0, true, 11);
  dedup.add(b, 2, 0, 0, true, 12);
  assert.equal(dedup.size, 5);
  assert.deepEqual(dedup.messageIdsOf(a), [3, 4], 'a:2 was the globally oldest');
  for (let mid = 10; mid < 1000; mid++) dedup.add(a, mid, 0, 0, true, mid);
  assert.equal(a.dedupCount, 3);
  assert.equal(dedup.size, 5);
});

test('CON entries live EXCHANGE_LIFETIME, NON entries NON_LIFETIME, with one timer; emptied peers are reported', () => {
  const { clock, timers, dedup, emptied, peer } = setup(10, 10);
  const p = peer(1);
  dedup.add(p, 1, 0, 0, true, 0);
  dedup.add(p, 2, 0, 0, false, 0);
  assert.equal(timers.size, 1);
  clock.advance(600);
  assert.deepEqual(dedup.messageIdsOf(p), [1]);
  clock.advance(400);
  assert.equal(dedup.size, 0);
  assert.deepEqual(emptied, [p]);
  assert.equal(timers.size, 0);
  assert.equal(clock.pendingTimers, 0);
});

test('one peer wrapping the 16-bit message ID space keeps at most perPeer entries, whatever the wraps (issue #8)', () => {
  const { dedup, peer } = setup(4096, 100_000);
  const p = peer(1);
  const other = peer(2);
  dedup.add(other, 1, 5, 0, true, 0);
  let token = 0;
  for (let wrap = 0; wrap < 3; wrap++) {
    for (let mid = 0; mid < 0x10000; mid++) {
      const e = dedup.add(p, mid, ++token, 0, true, 1);
      dedup.setReply(e, dedup.generationOf(e), Buffer.from([0x60, 0x45, mid >> 8, mid & 255]));
    }
    assert.equal(p.dedupCount, 4096, `after wrap ${wrap + 1}`);
    assert.equal(dedup.size, 4097, 'the one table holds this peer at its cap plus the other peer');
    assert.deepEqual(dedup.messageIdsOf(p).slice(0, 2), [0x10000 - 4096, 0x10000 - 4095], 'the newest are kept, oldest first');
  }
  const newest = dedup.find(p, 0xffff, token, 0);
  assert.notEqual(newest, NONE);
  assert.deepEqual(dedup.replyOf(newest), Buffer.from([0x60, 0x45, 0xff, 0xff]), 'a duplicate of the newest still gets its reply');
  assert.ok(dedup.replyBytes <= 64 * 1024, `the replies of 4,097 live entries fit a small arena (${dedup.replyBytes} B)`);
  assert.equal(dedup.find(p, 0, token - 0xffff, 0), NONE, 'an evicted ID is a new message again');
  assert.notEqual(dedup.find(other, 1, 5, 0), NONE, 'another peer with the same message ID is not confused');
});

test('expired and evicted entries are reused: a steady stream allocates no entry per message', () => {
  const { dedup, peer } = setup(4, 100);
  const p = peer(1);
  const seen = new Set<number>();
  for (let mid = 0; mid < 1000; mid++) seen.add(dedup.add(p, mid, mid, 0, true, 0));
  assert.ok(seen.size <= 5, `${seen.size} slots for 1,000 messages`);
  assert.ok(dedup.slotsUsed <= 5, `${dedup.slotsUsed} slots ever used`);
  assert.deepEqual(dedup.messageIdsOf(p), [996, 997, 998, 999]);
});

test('a late reply for a recycled entry is ignored (generation check)', () => {
  const { dedup, peer } = setup(1, 10);
  const p = peer(1);
  const e = dedup.add(p, 1, 1, 0, true, 0);
  const generation = dedup.generationOf(e);
  const again = dedup.add(p, 2, 2, 0, true, 0);
  assert.equal(again, e, 'the cap released entry 1 and message 2 reused it');
  dedup.setReply(e, generation, Buffer.from('late reply of message 1'));
  assert.equal(dedup.replyOf(again), undefined, 'message 2 has no reply yet');
  dedup.setReply(again, dedup.generationOf(again), Buffer.from('reply 2'));
  assert.deepEqual(dedup.replyOf(again), Buffer.from('reply 2'));
});

test('a reply the arena wrote over is forgotten with its entry: the duplicate counts as a new message', () => {
  // total 100 -> a 64 KiB arena: 300 live 1 KiB replies cannot all be kept.
  const { dedup, peer } = setup(1000, 100);
  const ps = [peer(1), peer(2), peer(3)];
  const big = Buffer.alloc(1024, 7);
  for (let mid = 0; mid < 100; mid++) {
    for (const p of ps) {
      const e = dedup.add(p, mid, mid, 0, true, 0);
      dedup.setReply(e, dedup.generationOf(e), big);
    }
  }
  const newest = dedup.find(ps[2] as Peer, 99, 99, 0);
  assert.notEqual(newest, NONE);
  assert.deepEqual(dedup.replyOf(newest), big, 'recent replies are intact');
  let forgotten = 0;
  for (let mid = 67; mid < 100; mid++) if (dedup.find(ps[0] as Peer, mid, mid, 0) === NONE) forgotten++;
  assert.ok(forgotten > 0, 'some older replies were written over, and their entries went with them');
  assert.ok(dedup.replyBytes <= 64 * 1024);
});
