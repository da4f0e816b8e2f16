import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './fake-clock.js';

test('FakeClock fires timers in time order and only when advanced', () => {
  const clock = new FakeClock();
  const fired: string[] = [];
  clock.setTimer(() => fired.push('b'), 200);
  const h = clock.setTimer(() => fired.push('x'), 150);
  clock.setTimer(() => fired.push('a'), 100);
  clock.clearTimer(h);
  clock.advance(99);
  assert.deepEqual(fired, []);
  clock.advance(101);
  assert.deepEqual(fired, ['a', 'b']);
  assert.equal(clock.now(), 200);
  assert.equal(clock.pendingTimers, 0);
});

test('FakeClock fires timers scheduled by timers within the same advance', () => {
  const clock = new FakeClock();
  const at: number[] = [];
  clock.setTimer(() => {
    at.push(clock.now());
    clock.setTimer(() => at.push(clock.now()), 50);
  }, 10);
  clock.advance(100);
  assert.deepEqual(at, [10, 60]);
});
