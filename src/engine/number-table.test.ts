// Tests of NumberTable: Map semantics under random churn, large keys, growth, and no rebuild under churn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumberTable } from './number-table.js';
import { tokenLow } from './peer.js';

/** Small deterministic PRNG (xorshift32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function assertSame(t: NumberTable<number>, m: Map<number, number>): void {
  assert.equal(t.size, m.size);
  for (const [k, v] of m) assert.equal(t.get(k), v, `key ${k}`);
  assert.deepEqual([...t.values()].sort((a, b) => a - b), [...m.values()].sort((a, b) => a - b));
}

test('NumberTable agrees with a Map under random sets and deletes (message IDs and token keys)', () => {
  for (const [seed, keySpace] of [[1, 40], [2, 65536], [3, 2 ** 51]] as const) {
    const next = rng(seed);
    const t = new NumberTable<number>();
    const m = new Map<number, number>();
    const key = (): number => (keySpace > 2 ** 32 ? (next() * 2 ** 19 + (next() & 0x7ffff)) % keySpace : next() % keySpace);
    for (let step = 0; step < 20_000; step++) {
      const k = key();
      const r = next() % 10;
      if (r < 5) {
        t.set(k, step);
        m.set(k, step);
      } else if (r < 9) {
        assert.equal(t.delete(k), m.delete(k));
      } else {
        assert.equal(t.has(k), m.has(k));
        assert.equal(t.get(k), m.get(k));
      }
      if (step % 1000 === 0) assertSame(t, m);
    }
    assertSame(t, m);
  }
});

test('NumberTable keeps colliding keys apart and finds them after deletes in the middle of a run', () => {
  const t = new NumberTable<string>();
  // Keys that share low bits and differ only above 2^32, and real token keys.
  const keys = [1, 1 + 2 ** 32, 1 + 2 ** 33, 1 + 2 ** 40, tokenLow(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])), tokenLow(Buffer.from([1, 2, 3, 4, 5, 6, 7, 9])), 0];
  keys.forEach((k, i) => t.set(k, `v${i}`));
  assert.equal(t.size, keys.length);
  assert.equal(t.delete(keys[2] as number), true);
  assert.equal(t.delete(keys[2] as number), false);
  keys.forEach((k, i) => assert.equal(t.get(k), i === 2 ? undefined : `v${i}`));
  t.set(keys[1] as number, 'replaced');
  assert.equal(t.get(keys[1] as number), 'replaced');
  assert.equal(t.size, keys.length - 1);
});

test('NumberTable: churn at a steady size never rebuilds the table; it grows at 3/4 and shrinks only when large and nearly empty', () => {
  const t = new NumberTable<number>();
  assert.equal(t.capacity, 8);
  // 6 in flight, one finishing and one starting per step, keys ever increasing (message IDs).
  for (let k = 0; k < 6; k++) t.set(k, k);
  for (let k = 6; k < 100_000; k++) {
    assert.equal(t.delete(k - 6), true);
    t.set(k, k);
  }
  assert.equal(t.capacity, 8);
  assert.equal(t.size, 6);
  // A count swinging between 0 and 40 settles at one capacity.
  const swing = new NumberTable<number>();
  for (let round = 0; round < 50; round++) {
    for (let k = 0; k < 40; k++) swing.set(round * 100 + k, k);
    for (let k = 0; k < 40; k++) swing.delete(round * 100 + k);
  }
  assert.equal(swing.capacity, 64);
  assert.equal(swing.size, 0);
  // 10,000 in flight then drained: grows to hold them, then gives the memory back.
  const big = new NumberTable<number>();
  for (let k = 0; k < 10_000; k++) big.set(k, k);
  assert.ok(big.capacity >= 10_000 / 0.75 && big.capacity <= 32_768, `capacity ${big.capacity}`);
  for (let k = 0; k < 10_000; k++) big.delete(k);
  assert.equal(big.size, 0);
  assert.equal(big.capacity, 64);
});
