// Tests of reading and placing the Observe option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '../../coap/index.js';
import { observeValue, withObserve, withoutObserve } from './observe-option.js';

const opt = (number: number, ...bytes: number[]) => ({ number, value: Buffer.from(bytes) });

test('withObserve places one Observe in order and reuses the other option objects', () => {
  const etag = opt(4, 1, 2);
  const path = opt(11, 0x61);
  const out = withObserve([etag, opt(6, 9), path], 0x10203);
  assert.deepEqual(out.map((o) => o.number), [4, 6, 11]);
  assert.equal(out[0], etag);
  assert.equal(out[2], path);
  assert.deepEqual(out[1]?.value, Buffer.from([1, 2, 3]));
  assert.deepEqual(withObserve([], 0)[0]?.value, Buffer.alloc(0));
  assert.deepEqual(withObserve([etag], 0x1000005)[1]?.value, Buffer.from([5]), '24-bit wrap');
});

test('observeValue and withoutObserve', () => {
  const m = (options: Message['options']): Message => ({ type: 0, code: 69, messageId: 1, token: Buffer.alloc(0), options, payload: Buffer.alloc(0) });
  assert.equal(observeValue(m([opt(6, 1, 0)])), 256);
  assert.equal(observeValue(m([opt(6)])), 0);
  assert.equal(observeValue(m([opt(11, 1)])), undefined);
  assert.equal(observeValue(m([opt(6, 1, 2, 3, 4)])), undefined);
  const list = [opt(4, 1)];
  assert.equal(withoutObserve(list), list);
  assert.deepEqual(withoutObserve([opt(6, 1), opt(11, 2)]).map((o) => o.number), [11]);
});
