import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cryptoRandom, seededRandom } from './random.js';

test('seededRandom is deterministic and in range', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  for (let i = 0; i < 100; i++) {
    const x = a.int(3, 9);
    assert.equal(x, b.int(3, 9));
    assert.ok(x >= 3 && x < 9);
  }
  assert.deepEqual(a.bytes(8), b.bytes(8));
});

test('cryptoRandom bytes are fresh copies of the requested length', () => {
  const x = cryptoRandom.bytes(8);
  const y = cryptoRandom.bytes(8);
  assert.equal(x.length, 8);
  assert.notDeepEqual(x, y);
  const f = cryptoRandom.float();
  assert.ok(f >= 0 && f < 1);
});
