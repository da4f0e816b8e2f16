// Limits: the memory bounds of an endpoint, with defaults and validation.
import type { EndpointLimits } from './endpoint-types.js';

export const DEFAULT_LIMITS: EndpointLimits = Object.freeze({
  dedupPerPeer: 4096,
  dedupTotal: 100_000,
  queuePerPeer: 1024,
  observersPerPeer: 256,
  tokenLength: 8,
  observeConEvery: 5,
  observeConIntervalMs: 24 * 3600 * 1000,
});

/** Fills defaults; throws RangeError on values an endpoint cannot run with (configuration errors). */
export function resolveLimits(partial: Partial<EndpointLimits> = {}): EndpointLimits {
  const l: EndpointLimits = { ...DEFAULT_LIMITS, ...partial };
  const positiveInt = (name: keyof EndpointLimits): void => {
    const v = l[name];
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`limits.${name} must be a positive integer`);
  };
  positiveInt('dedupPerPeer');
  positiveInt('dedupTotal');
  positiveInt('queuePerPeer');
  positiveInt('observersPerPeer');
  positiveInt('observeConEvery');
  // RFC 7252 §5.3.1: tokens are 0-8 bytes; ours are never empty so responses can be matched.
  if (!Number.isInteger(l.tokenLength) || l.tokenLength < 1 || l.tokenLength > 8) {
    throw new RangeError('limits.tokenLength must be 1..8');
  }
  if (!(l.observeConIntervalMs > 0)) throw new RangeError('limits.observeConIntervalMs must be positive');
  return Object.freeze(l);
}
