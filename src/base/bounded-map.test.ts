import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap } from './bounded-map.js';

test('BoundedMap evicts the oldest insertion at the cap', () => {
  const m = new BoundedMap<number, string>(2);
  assert.equal(m.set(1, 'a'), undefined);
  assert.equal(m.set(2, 'b'), undefined);
  assert.equal(m.set(3, 'c'), 1);
  assert.equal(m.has(1), false);
  assert.equal(m.get(3), 'c');
  assert.equal(m.size, 2);
  // overwriting an existing key never evicts
  assert.equal(m.set(2, 'B'), undefined);
  assert.equal(m.get(2), 'B');
});

test('BoundedMap rejects a non-positive cap', () => {
  assert.throws(() => new BoundedMap(0), RangeError);
});
