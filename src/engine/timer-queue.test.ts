// Tests of the timer heap: order, one clock timer, random schedule/cancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../base/index.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { TimerQueue, type Timed } from './timer-queue.js';

class Item implements Timed {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;
  constructor(
    readonly name: string,
    readonly log: Array<[string, number]>,
  ) {}
  onTimer(now: number): void {
    this.log.push([this.name, now]);
  }
}

test('TimerQueue fires in deadline order with one clock timer', () => {
  const clock = new FakeClock();
  const q = new TimerQueue(clock);
  const log: Array<[string, number]> = [];
  const a = new Item('a', log);
  const b = new Item('b', log);
  const c = new Item('c', log);
  q.scheduleIn(a, 300);
  q.scheduleIn(b, 100);
  q.scheduleIn(c, 100);
  assert.equal(clock.pendingTimers, 1);
  assert.equal(q.size, 3);
  clock.advance(100);
  assert.deepEqual(log, [['b', 100], ['c', 100]], 'equal deadlines keep scheduling order');
  q.cancel(a);
  assert.equal(clock.pendingTimers, 0, 'an empty queue holds no clock timer');
  q.scheduleIn(a, 50);
  q.schedule(a, 400);
  clock.advance(1000);
  assert.deepEqual(log.at(-1), ['a', 400]);
  assert.equal(q.size, 0);
  assert.equal(clock.pendingTimers, 0);
});

for (const size of [200, 3000]) test(`TimerQueue stays a valid heap under random schedule/cancel (${size} items, its arrays growing)`, () => {
  const clock = new FakeClock();
  const q = new TimerQueue(clock);
  const rnd = seededRandom(3);
  const log: Array<[string, number]> = [];
  const items = Array.from({ length: size }, (_, i) => new Item(String(i), log));
  const expected = new Map<Item, number>();
  for (let round = 0; round < size * 10; round++) {
    const it = items[rnd.int(0, items.length)] as Item;
    if (rnd.float() < 0.3) {
      q.cancel(it);
      expected.delete(it);
    } else {
      const at = rnd.int(1, 10_000);
      q.schedule(it, at);
      expected.set(it, at);
    }
  }
  clock.advance(10_000);
  assert.equal(log.length, expected.size);
  const times = log.map(([, t]) => t);
  assert.deepEqual(times, [...times].sort((x, y) => x - y));
  // Equal deadlines fire in the order they were (last) scheduled.
  for (let i = 1; i < log.length; i++) {
    const [pn, pt] = log[i - 1] as [string, number];
    const [cn, ct] = log[i] as [string, number];
    if (pt === ct) assert.ok((items[Number(pn)] as Item).timerSeq < (items[Number(cn)] as Item).timerSeq);
  }
  for (const [name, t] of log) assert.equal(expected.get(items[Number(name)] as Item), t);
  q.scheduleIn(items[0] as Item, 5);
  q.clear();
  assert.equal(clock.pendingTimers, 0);
});
