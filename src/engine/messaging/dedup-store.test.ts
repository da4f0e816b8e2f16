// Tests of the dedup store: exact token identity in columns, release and reuse, growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Peer, tokenHigh, tokenLow } from '../peer.js';
import { DedupStore, NONE } from './dedup-store.js';

const peer = new Peer(1, { address: '10.0.0.1', port: 1 }, 0, () => undefined);

test('a slot keeps the exact token identity, message ID and kind (issue #8)', () => {
  const store = new DedupStore(16);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 8 }), fc.integer({ min: 0, max: 0xffff }), fc.boolean(), (bytes, mid, con) => {
      const token = Buffer.from(bytes);
      const s = store.take(peer, mid, tokenLow(token), tokenHigh(token), con, 12.25);
      assert.equal(store.messageId[s], mid);
      assert.equal(store.confirmable(s), con);
      assert.equal(store.createdAt[s], 13, 'rounded up: never expires early');
      assert.ok(store.linked(s));
      assert.ok(store.matches(s, tokenLow(token), tokenHigh(token)));
      const other = Buffer.from(bytes.length === 0 ? [0] : bytes.map((b, i) => (i === bytes.length - 1 ? b ^ 1 : b)));
      assert.ok(!store.matches(s, tokenLow(other), tokenHigh(other)), 'another token never matches');
      store.release(s);
    }),
  );
  assert.ok(store.slotsUsed <= 1, 'a released slot is taken again');
});

test('a released slot is unlinked, forgets its reply and peer, bumps its generation, and is taken next', () => {
  const store = new DedupStore(4);
  const s = store.take(peer, 7, 100, 0, true, 0);
  store.replyLength[s] = 4;
  const generation = store.generation[s];
  store.release(s);
  assert.ok(!store.linked(s));
  assert.equal(store.replyLength[s], -1);
  assert.equal(store.peer[s], undefined, 'a free slot pins no peer');
  assert.notEqual(store.generation[s], generation);
  const again = store.take(peer, 8, 5, 1, false, 3);
  assert.equal(again, s);
  assert.ok(store.linked(again));
  assert.equal(store.messageId[again], 8);
  assert.ok(!store.confirmable(again));
  assert.ok(store.matches(again, 5, 1));
  assert.equal(store.peerNext[again], NONE);
});

test('a full store refuses another slot; every field of every slot is kept; clear frees them all', () => {
  const store = new DedupStore(1000);
  const slots: number[] = [];
  for (let i = 0; i < 1000; i++) slots.push(store.take(peer, i, i * 3, i & 0xff, i % 2 === 0, i));
  assert.throws(() => store.take(peer, 1000, 0, 0, true, 0), /full/);
  for (const s of slots) {
    assert.equal(store.messageId[s], s);
    assert.ok(store.matches(s, s * 3, s & 0xff));
    assert.equal(store.confirmable(s), s % 2 === 0);
    assert.equal(store.peer[s], peer);
  }
  store.clear();
  for (const s of slots) assert.ok(!store.linked(s));
  assert.ok(slots.includes(store.take(peer, 1, 1, 0, true, 0)), 'a cleared slot is reused');
});
