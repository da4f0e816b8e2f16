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
  /**
   * Each heap slot's deadline and sequence number, beside the heap: the sift loops compare these
   * instead of reading `timerAt` from items of many classes, where V8's megamorphic load of a double
   * field allocates a HeapNumber per read (a third of the engine's garbage per request, measured).
   */
  private keys = new Float64Array(256);
  private seqs = new Float64Array(256);
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
    const seq = this.seq++;
    item.timerSeq = seq;
    const i = this.heap.length;
    if (i >= this.keys.length) this.grow();
    item.timerIndex = i;
    this.heap.push(item);
    this.keys[i] = at;
    this.seqs[i] = seq;
    this.up(i);
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
        if (top === undefined || (this.keys[0] as number) > now) break;
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
    const at = this.keys[0] as number;
    if (this.handle !== undefined && this.armedAt <= at) return;
    this.disarm();
    this.armedAt = at;
    this.handle = this.clock.setTimer(this.onClock, Math.max(0, at - this.clock.now()));
  }

  private disarm(): void {
    if (this.handle !== undefined) this.clock.clearTimer(this.handle);
    this.handle = undefined;
    this.armedAt = Infinity;
  }

  private remove(item: Timed): void {
    const i = item.timerIndex;
    const lastIndex = this.heap.length - 1;
    const last = this.heap.pop() as Timed;
    item.timerIndex = -1;
    if (last !== item) {
      this.heap[i] = last;
      this.keys[i] = this.keys[lastIndex] as number;
      this.seqs[i] = this.seqs[lastIndex] as number;
      last.timerIndex = i;
      this.down(i);
      this.up(last.timerIndex);
    }
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }

  /** Slot a before slot b: earlier deadline, then earlier scheduling. */
  private less(a: number, b: number): boolean {
    const ka = this.keys[a] as number;
    const kb = this.keys[b] as number;
    return ka < kb || (ka === kb && (this.seqs[a] as number) < (this.seqs[b] as number));
  }

  /** Moves slot `from` to slot `to` (items, keys and positions together). */
  private move(from: number, to: number): void {
    const item = this.heap[from] as Timed;
    this.heap[to] = item;
    this.keys[to] = this.keys[from] as number;
    this.seqs[to] = this.seqs[from] as number;
    item.timerIndex = to;
  }

  private up(index: number): void {
    const heap = this.heap;
    const item = heap[index] as Timed;
    const key = this.keys[index] as number;
    const seq = this.seqs[index] as number;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const kp = this.keys[parent] as number;
      if (!(key < kp || (key === kp && seq < (this.seqs[parent] as number)))) break;
      this.move(parent, i);
      i = parent;
    }
    heap[i] = item;
    this.keys[i] = key;
    this.seqs[i] = seq;
    item.timerIndex = i;
  }

  private down(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[index] as Timed;
    const key = this.keys[index] as number;
    const seq = this.seqs[index] as number;
    let i = index;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.less(r, l) ? r : l;
      const kc = this.keys[child] as number;
      if (!(kc < key || (kc === key && (this.seqs[child] as number) < seq))) break;
      this.move(child, i);
      i = child;
    }
    heap[i] = item;
    this.keys[i] = key;
    this.seqs[i] = seq;
    item.timerIndex = i;
  }
}
