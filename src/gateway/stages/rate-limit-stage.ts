// Rate-limit stage: a token bucket per client socket for proxied requests; beyond it 4.29 with Max-Age (RFC 8516).
import { BoundedMap, ok, err, type Clock, type Result } from '../../base/index.js';
import { gatewayError, type GatewayError } from '../errors.js';

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Clients whose buckets are remembered; an evicted bucket starts full again, so the cap bounds memory only. */
const MAX_CLIENTS = 65_536;

/**
 * RFC 7252 §11.4 / the checklist's R99: a client that sends faster than `perSec` (after a burst of
 * `burst`) gets 4.29 Too Many Requests with Max-Age = seconds until its next request is accepted
 * (RFC 8516 §3). `perSec` 0 turns the limit off.
 */
export class RateLimitStage {
  private readonly buckets = new BoundedMap<string, Bucket>(MAX_CLIENTS);

  constructor(
    private readonly clock: Clock,
    private readonly perSec: number,
    private readonly burst: number,
  ) {}

  get enabled(): boolean {
    return this.perSec > 0;
  }

  /** Takes one request's token for `clientKey`. */
  take(clientKey: string): Result<void, GatewayError> {
    if (this.perSec <= 0) return ok(undefined);
    const nowMs = this.clock.now();
    const capacity = Math.max(1, this.burst);
    let bucket = this.buckets.get(clientKey);
    if (bucket === undefined) {
      bucket = { tokens: capacity, atMs: nowMs };
      this.buckets.set(clientKey, bucket);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((nowMs - bucket.atMs) * this.perSec) / 1000);
      bucket.atMs = nowMs;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return ok(undefined);
    }
    const retrySec = Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSec));
    return err(gatewayError('rate-limited', `More than ${this.perSec} requests/s from this client; retry after Max-Age`, retrySec));
  }

  /** Buckets remembered (memory checks). */
  get size(): number {
    return this.buckets.size;
  }
}
