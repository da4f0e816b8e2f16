// TimerQueue: every deadline of an endpoint in one intrusive min-heap behind a single clock timer.
import type { Clock, TimerHandle } from '../base/index.js';

/**
 * Something with one deadline at a time. The queue stores its position in the object itself, so
 * scheduling allocates nothing and cancelling is O(log n); no closure is created per deadline.
 */
export interface Timed {
  timerAt: number;
  /** Position in the heap; -1 when not scheduled. */
  timerIndex: number;
  /** Tie-breaker: equal deadlines fire in scheduling order. */
  timerSeq: number;
  onTimer(now: number): void;
}

export class TimerQueue {
  private readonly heap: Timed[] = [];
  private handle: TimerHandle | undefined;
  private armedAt = Infinity;
  private seq = 0;
  private running = false;
  private readonly onClock = (): void => this.run();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.heap.length;
  }

  isScheduled(item: Timed): boolean {
    return item.timerIndex >= 0;
  }

  /** Sets (or moves) the item's deadline to the absolute time `at` (clock.now() based). */
  schedule(item: Timed, at: number): void {
    if (item.timerIndex >= 0) this.remove(item);
    item.timerAt = at;
    item.timerSeq = this.seq++;
    item.timerIndex = this.heap.length;
    this.heap.push(item);
    this.up(item.timerIndex);
    if (!this.running) this.arm();
  }

  /** Schedules after `delayMs` from now. */
  scheduleIn(item: Timed, delayMs: number): void {
    this.schedule(item, this.clock.now() + delayMs);
  }

  cancel(item: Timed): void {
    if (item.timerIndex < 0) return;
    this.remove(item);
    if (!this.running) this.arm();
  }

  /** Drops every deadline and the clock timer (endpoint close). */
  clear(): void {
    for (const item of this.heap) item.timerIndex = -1;
    this.heap.length = 0;
    this.disarm();
  }

  private run(): void {
    this.handle = undefined;
    this.armedAt = Infinity;
    this.running = true;
    try {
      const now = this.clock.now();
      for (;;) {
        const top = this.heap[0];
        if (top === undefined || top.timerAt > now) break;
        this.remove(top);
        top.onTimer(now);
      }
    } finally {
      this.running = false;
      this.arm();
    }
  }

  /** Keeps exactly one clock timer, at the earliest deadline (none when the heap is empty). */
  private arm(): void {
    const top = this.heap[0];
    if (top === undefined) {
      this.disarm();
      return;
    }
    if (this.handle !== undefined && this.armedAt <= top.timerAt) return;
    this.disarm();
    this.armedAt = top.timerAt;
    this.handle = this.clock.setTimer(this.onClock, Math.max(0, top.timerAt - this.clock.now()));
  }

  private disarm(): void {
    if (this.handle !== undefined) this.clock.clearTimer(this.handle);
    this.handle = undefined;
    this.armedAt = Infinity;
  }

  private remove(item: Timed): void {
    const i = item.timerIndex;
    const last = this.heap.pop() as Timed;
    item.timerIndex = -1;
    if (last !== item) {
      this.heap[i] = last;
      last.timerIndex = i;
      this.down(i);
      this.up(last.timerIndex);
    }
  }

  private less(a: Timed, b: Timed): boolean {
    return a.timerAt < b.timerAt || (a.timerAt === b.timerAt && a.timerSeq < b.timerSeq);
  }

  private up(index: number): void {
    const heap = this.heap;
    let i = index;
    const item = heap[i] as Timed;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex] as Timed;
      if (!this.less(item, parent)) break;
      heap[i] = parent;
      parent.timerIndex = i;
      i = parentIndex;
    }
    heap[i] = item;
    item.timerIndex = i;
  }

  private down(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    let i = index;
    const item = heap[i] as Timed;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      if (r < n && this.less(heap[r] as Timed, heap[l] as Timed)) child = r;
      const c = heap[child] as Timed;
      if (!this.less(c, item)) break;
      heap[i] = c;
      c.timerIndex = i;
      i = child;
    }
    heap[i] = item;
    item.timerIndex = i;
  }
}
