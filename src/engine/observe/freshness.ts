// Freshness: RFC 7641 §3.4 rule for ordering notifications by their 24-bit Observe values.

/** RFC 7641 §3.4: after this long, a notification is newer whatever its sequence number. */
export const OBSERVE_REORDER_WINDOW_MS = 128_000;
const HALF = 0x800000; // 2^23

/**
 * True when the notification (v2 received at t2) is newer than the last one (v1 at t1):
 * (V1 < V2 and V2 - V1 < 2^23) or (V1 > V2 and V1 - V2 > 2^23) or T2 > T1 + 128 s.
 */
export function isFresher(v1: number, t1: number, v2: number, t2: number): boolean {
  return (v1 < v2 && v2 - v1 < HALF) || (v1 > v2 && v1 - v2 > HALF) || t2 > t1 + OBSERVE_REORDER_WINDOW_MS;
}
