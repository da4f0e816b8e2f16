import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flushMicrotasks } from '../../../test/support/fake-clock.js';
import { DeviceQueues, type DeviceSlot } from './device-queues.js';

test('NSTART 1: the second request waits until the first releases (RFC 7252 §4.7)', async () => {
  const clock = new FakeClock();
  const q = new DeviceQueues(clock, 1, 2);
  const a = q.acquire('d', 1000);
  assert.ok(a.ok);
  const slotA = await a.value;
  assert.ok(slotA);
  const b = q.acquire('d', 1000);
  assert.ok(b.ok);
  const got: { slot?: DeviceSlot | undefined } = {};
  void b.value.then((s) => (got.slot = s));
  await flushMicrotasks();
  assert.equal(got.slot, undefined);
  assert.equal(q.waitingFor('d'), 1);
  slotA.release();
  slotA.release(); // twice is harmless
  await flushMicrotasks();
  const slotB = got.slot as DeviceSlot | undefined;
  assert.ok(slotB);
  assert.deepEqual(q.stats(), { devices: 1, active: 1, waiting: 0 });
  slotB.release();
  assert.deepEqual(q.stats(), { devices: 0, active: 0, waiting: 0 });
  assert.equal(clock.pendingTimers, 0);
});

test('a full queue says so; other devices are independent', async () => {
  const clock = new FakeClock();
  const q = new DeviceQueues(clock, 1, 1);
  const first = q.acquire('d', 1000);
  assert.ok(first.ok);
  assert.ok(q.acquire('d', 1000).ok);
  const third = q.acquire('d', 1000);
  assert.deepEqual(third, { ok: false, error: 'full' });
  const other = q.acquire('e', 1000);
  assert.ok(other.ok);
  assert.ok(await other.value);
  q.close();
  assert.equal(clock.pendingTimers, 0);
});

test('a waiter whose time runs out gets undefined and leaves the queue', async () => {
  const clock = new FakeClock();
  const q = new DeviceQueues(clock, 1, 4);
  const a = q.acquire('d', 1000);
  assert.ok(a.ok);
  const slotA = await a.value;
  const b = q.acquire('d', 500);
  assert.ok(b.ok);
  clock.advance(500);
  assert.equal(await b.value, undefined);
  assert.equal(q.waitingFor('d'), 0);
  slotA?.release();
  assert.deepEqual(q.stats(), { devices: 0, active: 0, waiting: 0 });
});

test('tryAcquire takes a free place at once, never jumps the queue, and refuses when NSTART is used', async () => {
  const clock = new FakeClock();
  const q = new DeviceQueues(clock, 1, 2);
  const first = q.tryAcquire('d');
  assert.ok(first);
  assert.equal(q.tryAcquire('d'), undefined, 'NSTART 1 is in use');
  const waiting = q.acquire('d', 1000);
  assert.ok(waiting.ok);
  first.release();
  // The place went to the waiter, not to a later tryAcquire.
  assert.equal(q.tryAcquire('d'), undefined);
  const second = await waiting.value;
  assert.ok(second);
  second.release();
  second.release();
  assert.deepEqual(q.stats(), { devices: 0, active: 0, waiting: 0 });
  q.close();
  assert.equal(q.tryAcquire('d'), undefined, 'closed queues give no slot');
});

test('an idle device keeps its state for reuse and is forgotten by a sweep after 10-20 s unused', () => {
  const clock = new FakeClock();
  const q = new DeviceQueues(clock, 2, 2);
  for (let i = 0; i < 100; i++) q.tryAcquire('busy')?.release();
  assert.equal(q.retained, 1, 'one state for a device whose load comes and goes');
  assert.deepEqual(q.stats(), { devices: 0, active: 0, waiting: 0 });
  q.tryAcquire('other')?.release();
  clock.advance(10_000);
  // A new device runs the sweep once it is due: both were used in the last period, so both stay.
  q.tryAcquire('third')?.release();
  assert.equal(q.retained, 3);
  clock.advance(5_000);
  q.tryAcquire('busy')?.release(); // used again in this period
  clock.advance(5_000);
  const held = q.tryAcquire('fourth'); // sweep: 'other' was not used since the last one
  assert.equal(q.retained, 3, 'busy, third (new in the last period) and fourth');
  clock.advance(10_000);
  q.tryAcquire('fifth')?.release(); // sweep: busy and third unused since; fourth is busy
  assert.equal(q.retained, 2);
  assert.deepEqual(q.stats(), { devices: 1, active: 1, waiting: 0 });
  held?.release();
  q.close();
  assert.equal(q.retained, 0);
});
