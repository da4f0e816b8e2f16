// Tests of the dedup index against a Map model: inserts, deletes (backward shift), growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Peer } from '../peer.js';
import { DedupIndex } from './dedup-index.js';
import { DedupStore, NONE } from './dedup-store.js';

const peers = Array.from({ length: 6 }, (_, i) => new Peer(i, { address: `10.0.0.${i}`, port: 1 }, 0, () => undefined));

test('the index agrees with a Map under any sequence of inserts and deletes', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3000 })), { maxLength: 4000 }),
      (ops) => {
        const store = new DedupStore(4096);
        const index = new DedupIndex(store);
        const model = new Map<string, number>();
        for (const [add, pi, mid] of ops) {
          const peer = peers[pi] as Peer;
          const key = `${pi}/${mid}`;
          const had = model.get(key);
          if (add && had === undefined) {
            const s = store.take(peer, mid, 0, 0, true, 0);
            index.insert(s);
            model.set(key, s);
          } else if (!add && had !== undefined) {
            index.delete(had);
            store.release(had);
            model.delete(key);
          }
        }
        assert.equal(index.size, model.size);
        assert.ok(index.size * 2 <= index.capacity, 'at most half full');
        for (let pi = 0; pi < peers.length; pi++) {
          for (let mid = 0; mid <= 3000; mid += 7) assert.equal(index.find(peers[pi] as Peer, mid), model.get(`${pi}/${mid}`) ?? NONE);
        }
        for (const s of model.values()) assert.equal(index.find(store.peer[s] as Peer, store.messageId[s] as number), s);
      },
    ),
    { numRuns: 40 },
  );
});

test('the same message ID of two peers are two entries; clear empties the table', () => {
  const store = new DedupStore(4096);
  const index = new DedupIndex(store);
  const [a, b] = [peers[0] as Peer, peers[1] as Peer];
  const sa = store.take(a, 42, 0, 0, true, 0);
  const sb = store.take(b, 42, 0, 0, true, 0);
  index.insert(sa);
  index.insert(sb);
  assert.equal(index.find(a, 42), sa);
  assert.equal(index.find(b, 42), sb);
  index.delete(sa);
  assert.equal(index.find(a, 42), NONE);
  assert.equal(index.find(b, 42), sb);
  index.clear();
  assert.equal(index.size, 0);
  assert.equal(index.find(b, 42), NONE);
});
