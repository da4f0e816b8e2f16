// Unit tests: the per-client token bucket (burst, refill on the clock, Max-Age, off at 0, clients apart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { errorCode } from '../errors.js';
import { Code } from '../../coap/index.js';
import { RateLimitStage } from './rate-limit-stage.js';

test('a burst, then one request per 1/rate seconds; 4.29 with the seconds to wait as Max-Age', () => {
  const clock = new FakeClock();
  const limit = new RateLimitStage(clock, 2, 3);
  for (let i = 0; i < 3; i++) assert.ok(limit.take('a').ok, `burst ${i}`);
  const refused = limit.take('a');
  assert.ok(!refused.ok);
  assert.equal(errorCode(refused.error.kind), Code.TOO_MANY_REQUESTS);
  assert.equal(refused.error.maxAgeSec, 1);
  assert.ok(limit.take('b').ok, 'another client has its own bucket');
  clock.advance(499);
  assert.ok(!limit.take('a').ok);
  clock.advance(2);
  assert.ok(limit.take('a').ok, 'one token back after 500 ms');
  clock.advance(60_000);
  for (let i = 0; i < 3; i++) assert.ok(limit.take('a').ok, 'refilled to the burst, not beyond');
  assert.ok(!limit.take('a').ok);
});

test('rate 0 is off; a slow rate gives a long Max-Age', () => {
  const clock = new FakeClock();
  const off = new RateLimitStage(clock, 0, 1);
  for (let i = 0; i < 1000; i++) assert.ok(off.take('a').ok);
  assert.equal(off.size, 0, 'no state when off');
  const slow = new RateLimitStage(clock, 0.1, 1);
  assert.ok(slow.take('a').ok);
  const r = slow.take('a');
  assert.ok(!r.ok && r.error.maxAgeSec === 10);
});
