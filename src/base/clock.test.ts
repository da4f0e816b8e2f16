import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from './clock.js';

test('systemClock.now() is read once per synchronous run and moves on after an await', async () => {
  const a = systemClock.now();
  const spinUntil = performance.now() + 2;
  while (performance.now() < spinUntil) {
    // busy: real time passes within one synchronous run
  }
  assert.equal(systemClock.now(), a, 'the same task sees one time');
  await new Promise((r) => setTimeout(r, 5));
  const b = systemClock.now();
  assert.ok(b >= a + 4, `time moved on across the timer (${b - a} ms)`);
  await Promise.resolve();
  await Promise.resolve();
  const c = systemClock.now();
  assert.ok(c >= b, 'monotonic');
});

test('systemClock timers fire and can be cleared', async () => {
  let fired = 0;
  const kept = systemClock.setTimer(() => fired++, 1);
  const cleared = systemClock.setTimer(() => (fired += 100), 1);
  systemClock.clearTimer(cleared);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fired, 1);
  systemClock.clearTimer(kept);
});
