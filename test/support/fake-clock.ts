// FakeClock: a Clock whose time moves only when a test advances it; timers fire in order.
import type { Clock, TimerHandle } from '../../src/base/index.js';

interface Pending {
  id: number;
  at: number;
  seq: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  private time = 0;
  private wallOffset: number;
  private nextId = 1;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(wallStartMs = Date.UTC(2026, 10, 25)) {
    this.wallOffset = wallStartMs;
  }

  now(): number {
    return this.time;
  }

  wallNow(): number {
    return this.wallOffset + this.time;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { id, at: this.time + Math.max(0, delayMs), seq: this.seq++, callback });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  /** Number of timers not yet fired or cleared (for leak checks). */
  get pendingTimers(): number {
    return this.pending.size;
  }

  /** When the earliest pending timer is due (undefined when none). */
  nextTimerAt(): number | undefined {
    let at: number | undefined;
    for (const p of this.pending.values()) if (at === undefined || p.at < at) at = p.at;
    return at;
  }

  /**
   * Runs timers (and promise continuations between them) until `promise` settles, at most `limitMs`
   * of fake time; returns the promise so the caller can await or assert its outcome.
   */
  async runUntilSettled<T>(promise: Promise<T>, limitMs = 600_000): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    const end = this.time + limitMs;
    await flushMicrotasks();
    while (!settled) {
      const at = this.nextTimerAt();
      if (at === undefined || at > end) break;
      this.advance(at - this.time);
      await flushMicrotasks();
    }
    return promise;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in time order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.nextDue(end);
      if (next === undefined) break;
      this.pending.delete(next.id);
      this.time = next.at;
      next.callback();
    }
    this.time = end;
  }

  /** Advances and lets promise continuations run between timer firings. */
  async advanceAsync(ms: number, stepMs = 1): Promise<void> {
    const end = this.time + ms;
    while (this.time < end) {
      await flushMicrotasks();
      const next = this.nextDue(end);
      const target = next === undefined ? end : Math.min(next.at, this.time + Math.max(stepMs, next.at - this.time));
      this.advance(Math.max(0, target - this.time));
      if (next === undefined) break;
    }
    await flushMicrotasks();
  }

  private nextDue(end: number): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending.values()) {
      if (p.at > end) continue;
      if (best === undefined || p.at < best.at || (p.at === best.at && p.seq < best.seq)) best = p;
    }
    return best;
  }
}

export async function flushMicrotasks(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
