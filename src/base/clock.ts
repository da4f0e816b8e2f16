// Clock: the only source of time and timers, so tests can run on a fake clock.
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since an arbitrary epoch; monotonic. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch (for token claims and logs). */
  wallNow(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

class SystemClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  /** performance.now() of the running task; -1 once its microtasks ran. */
  private taskNow = -1;
  private readonly endTask = (): void => {
    this.taskNow = -1;
  };

  /**
   * One reading per synchronous run (a datagram's handling, a timer, a microtask batch): Node 20's
   * performance.now() allocates an array through process.hrtime() on every call, and one forwarded
   * request asks for the time a dozen times within microseconds. The value is forgotten at the next
   * microtask checkpoint, so time never stands still across an await, a timer or an I/O callback.
   */
  now(): number {
    let t = this.taskNow;
    if (t < 0) {
      t = performance.now();
      this.taskNow = t;
      queueMicrotask(this.endTask);
    }
    return t;
  }

  wallNow(): number {
    return Date.now();
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    const t = setTimeout(() => {
      this.timers.delete(id);
      callback();
    }, Math.max(0, delayMs));
    t.unref?.();
    this.timers.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }
}

/** The real clock. Timers are unref'd: a pending retransmission never keeps the process alive. */
export const systemClock: Clock = new SystemClock();
