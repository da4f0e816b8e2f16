// A FIFO gate bounding how many DNS lookups run at once, so a burst of new names cannot flood the DNS server.
export interface LookupGate {
  /** Resolves when a slot is free; the caller must `release()` once done. */
  acquire(): Promise<void>;
  release(): void;
  readonly active: number;
  readonly waiting: number;
}

export function createLookupGate(maxActive: number): LookupGate {
  const queue: Array<() => void> = [];
  let active = 0;
  return {
    acquire() {
      if (active < maxActive) {
        active++;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => queue.push(resolve));
    },
    release() {
      // The slot passes straight to the next waiter, so `active` stays the same.
      const next = queue.shift();
      if (next !== undefined) next();
      else active = Math.max(0, active - 1);
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
