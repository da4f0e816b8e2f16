// Fixed-window counters per key (client id, address) with a memory cap; time from the Clock.
import { BoundedMap, type Clock } from '../base/index.js';

export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimiter {
  /** Milliseconds until `key` may try again; 0 when it is not blocked. */
  blockedForMs(key: string): number;
  /** Counts one event (a failure, or a request) against `key`. */
  hit(key: string): void;
}

interface Window {
  start: number;
  count: number;
}

export function createRateLimiter(rule: RateLimit, clock: Clock, maxKeys = 100_000): RateLimiter {
  const windows = new BoundedMap<string, Window>(maxKeys);
  const live = (key: string): Window | undefined => {
    const w = windows.get(key);
    if (w === undefined) return undefined;
    if (clock.now() - w.start >= rule.windowMs) {
      windows.delete(key);
      return undefined;
    }
    return w;
  };
  return {
    blockedForMs(key) {
      const w = live(key);
      return w !== undefined && w.count >= rule.limit ? Math.max(1, w.start + rule.windowMs - clock.now()) : 0;
    },
    hit(key) {
      const w = live(key);
      if (w === undefined) windows.set(key, { start: clock.now(), count: 1 });
      else w.count++;
    },
  };
}

/**
 * The rate-limit key of a client address: IPv4 as is, IPv6 by its /64 (one host usually owns a
 * whole /64, so per-address limits on IPv6 would be trivial to dodge).
 */
export function addressKey(address: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4mapped !== null) return v4mapped[1] ?? address;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('%')[0]?.split('::') ?? [];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups];
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
