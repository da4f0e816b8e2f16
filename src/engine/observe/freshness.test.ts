// Tests of the RFC 7641 §3.4 freshness rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFresher } from './freshness.js';

test('RFC 7641 §3.4 freshness: increasing within 2^23, wrap, and the 128 s rule', () => {
  assert.equal(isFresher(5, 0, 6, 1), true);
  assert.equal(isFresher(6, 0, 5, 1), false, 'older value');
  assert.equal(isFresher(5, 0, 5, 1), false, 'same value is not newer');
  assert.equal(isFresher(0xffffff, 0, 2, 1), true, 'wrap around 2^24');
  assert.equal(isFresher(2, 0, 0xffffff, 1), false, 'a wrapped-back value is older');
  assert.equal(isFresher(0, 0, 0x7fffff, 1), true, 'just under 2^23 ahead');
  assert.equal(isFresher(0, 0, 0x800000, 1), false, '2^23 ahead is not newer');
  assert.equal(isFresher(6, 0, 5, 128_000), false, 'exactly 128 s is not enough');
  assert.equal(isFresher(6, 0, 5, 128_001), true, 'after 128 s anything is newer');
});
