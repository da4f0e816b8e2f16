import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, getUintOption, makeOptions } from '../../coap/index.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { ResponseCache } from './response-cache.js';
import type { UpstreamRequest } from '../translate.js';

const get = (extra: Array<[number, Buffer | string | number]> = []): UpstreamRequest => ({
  type: MessageType.CON,
  code: Code.GET,
  options: makeOptions([[OptionNumber.URI_PATH, 'r'], [OptionNumber.HOP_LIMIT, 15], ...extra]),
  payload: Buffer.alloc(0),
});
const content = (maxAge?: number, body = 'x') => ({
  code: Code.CONTENT,
  options: makeOptions(maxAge === undefined ? [] : [[OptionNumber.MAX_AGE, maxAge]]),
  payload: Buffer.from(body),
});

test('keys: GET only; Hop-Limit, ETag and NoCacheKey options ignored; Accept and unknown cache-key options count', () => {
  const c = new ResponseCache(new FakeClock(), 10, 1 << 20);
  const base = c.keyOf(get(), 'coap://h/r');
  assert.ok(base);
  assert.equal(c.keyOf({ ...get(), code: Code.POST }, 'coap://h/r'), undefined);
  assert.equal(c.keyOf(get([[OptionNumber.ETAG, Buffer.from([1])]]), 'coap://h/r'), base);
  assert.equal(c.keyOf(get([[2076, 'x']]), 'coap://h/r'), base);
  assert.notEqual(c.keyOf(get([[OptionNumber.ACCEPT, 0]]), 'coap://h/r'), base);
  assert.notEqual(c.keyOf(get([[65000, 'x']]), 'coap://h/r'), base);
  assert.notEqual(c.keyOf(get(), 'coap://h/other'), base);
});

test('freshness: default 60 s, Max-Age 0 never stored, Max-Age counts down', () => {
  const clock = new FakeClock();
  const c = new ResponseCache(clock, 10, 1 << 20);
  assert.equal(c.store('a', 'u', content()), true);
  assert.equal(c.store('b', 'u', content(0)), false);
  assert.equal(c.serve('b', []), undefined);
  clock.advance(59_500);
  const served = c.serve('a', []);
  assert.ok(served);
  assert.equal(getUintOption(served.options, OptionNumber.MAX_AGE), 0);
  clock.advance(600);
  assert.equal(c.serve('a', []), undefined);
  assert.deepEqual(c.peek('a'), { fresh: false, etag: undefined });
});

test('bounded: the least recently used entry goes first; invalidation by URI', () => {
  const c = new ResponseCache(new FakeClock(), 2, 1 << 20);
  c.store('a', 'u1', content(60));
  c.store('b', 'u2', content(60));
  assert.ok(c.serve('a', []));
  c.store('c', 'u3', content(60));
  assert.ok(c.serve('a', []), 'a was used recently');
  assert.equal(c.serve('b', []), undefined, 'b was evicted');
  c.invalidate('u1');
  assert.equal(c.serve('a', []), undefined);
  assert.equal(c.stats().entries, 1);
});

test('non-2.05 responses are not stored', () => {
  const c = new ResponseCache(new FakeClock(), 10, 1 << 20);
  assert.equal(c.store('a', 'u', { code: Code.NOT_FOUND, options: [], payload: Buffer.alloc(0) }), false);
  assert.equal(c.stats().entries, 0);
});
