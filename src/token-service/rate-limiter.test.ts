// Unit tests: fixed-window rate limiting and address keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../test/support/fake-clock.js';
import { addressKey, createRateLimiter } from './rate-limiter.js';

test('blocks at the limit until the window ends, per key', () => {
  const clock = new FakeClock();
  const limiter = createRateLimiter({ limit: 3, windowMs: 60_000 }, clock);
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.blockedForMs('a'), 0);
    limiter.hit('a');
  }
  assert.equal(limiter.blockedForMs('a'), 60_000);
  assert.equal(limiter.blockedForMs('b'), 0, 'other keys are not affected');
  clock.advance(45_000);
  assert.equal(limiter.blockedForMs('a'), 15_000);
  clock.advance(15_000);
  assert.equal(limiter.blockedForMs('a'), 0, 'a new window');
});

test('memory stays bounded under a spray of keys', () => {
  const clock = new FakeClock();
  const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 }, clock, 100);
  limiter.hit('first');
  for (let i = 0; i < 1000; i++) limiter.hit(`k${i}`);
  assert.equal(limiter.blockedForMs('k999'), 60_000);
  assert.equal(limiter.blockedForMs('first'), 0, 'the oldest entry was evicted');
});

test('address keys: IPv4 as is, IPv6 per /64', () => {
  assert.equal(addressKey('127.0.0.1'), '127.0.0.1');
  assert.equal(addressKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
});
