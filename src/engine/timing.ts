// Timing: RFC 7252 §4.8 transmission parameters, their derived values (§4.8.2) and the piggyback window.

/** The configurable parameters (RFC 7252 §4.8), all in milliseconds where they are durations. */
export interface Timing {
  /** ACK_TIMEOUT: initial retransmission timeout base (default 2 s). */
  readonly ackTimeoutMs: number;
  /** ACK_RANDOM_FACTOR: the initial timeout is drawn from [ACK_TIMEOUT, ACK_TIMEOUT * factor] (default 1.5). */
  readonly ackRandomFactor: number;
  /** MAX_RETRANSMIT: retransmissions of one CON before giving up (default 4). */
  readonly maxRetransmit: number;
  /** NSTART: outstanding client interactions per peer (default 1, RFC 7252 §4.7). */
  readonly nstart: number;
  /** MAX_LATENCY: assumed maximum one-way latency (default 100 s). */
  readonly maxLatencyMs: number;
  /** PROCESSING_DELAY (default = ACK_TIMEOUT). */
  readonly processingDelayMs: number;
  /**
   * How long a server waits for its handler before sending an empty ACK to a CON request
   * (RFC 7252 §5.2.2). Default min(500 ms, ACK_TIMEOUT / 4): the client's first retransmission comes
   * after at least ACK_TIMEOUT, so the empty ACK must be on the wire well before that even with a
   * slow path back, while local answers and fast upstreams still get piggybacked.
   */
  readonly piggybackWindowMs: number;
}

/** Timing with the values RFC 7252 §4.8.2 derives from the parameters. */
export interface DerivedTiming extends Timing {
  /** MAX_TRANSMIT_SPAN = ACK_TIMEOUT * (2^MAX_RETRANSMIT - 1) * ACK_RANDOM_FACTOR (45 s). */
  readonly maxTransmitSpanMs: number;
  /** MAX_TRANSMIT_WAIT = ACK_TIMEOUT * (2^(MAX_RETRANSMIT + 1) - 1) * ACK_RANDOM_FACTOR (93 s). */
  readonly maxTransmitWaitMs: number;
  /** MAX_RTT = 2 * MAX_LATENCY + PROCESSING_DELAY (202 s). */
  readonly maxRttMs: number;
  /** EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY + PROCESSING_DELAY (247 s). */
  readonly exchangeLifetimeMs: number;
  /** NON_LIFETIME = MAX_TRANSMIT_SPAN + MAX_LATENCY (145 s). */
  readonly nonLifetimeMs: number;
}

export const DEFAULT_ACK_TIMEOUT_MS = 2000;

/**
 * Fills defaults, validates and derives. Throws RangeError for values no endpoint can run with
 * (a configuration error, never network input); see timingWarnings for merely unwise ones.
 */
export function resolveTiming(partial: Partial<Timing> = {}): DerivedTiming {
  const ackTimeoutMs = partial.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  const ackRandomFactor = partial.ackRandomFactor ?? 1.5;
  const maxRetransmit = partial.maxRetransmit ?? 4;
  const nstart = partial.nstart ?? 1;
  const maxLatencyMs = partial.maxLatencyMs ?? 100_000;
  const processingDelayMs = partial.processingDelayMs ?? ackTimeoutMs;
  const piggybackWindowMs = partial.piggybackWindowMs ?? Math.min(500, ackTimeoutMs / 4);
  positive('ackTimeoutMs', ackTimeoutMs);
  // RFC 7252 §4.8: ACK_RANDOM_FACTOR MUST NOT be below 1.0.
  if (!(ackRandomFactor >= 1) || !Number.isFinite(ackRandomFactor)) throw new RangeError('ackRandomFactor must be >= 1');
  if (!Number.isInteger(maxRetransmit) || maxRetransmit < 0 || maxRetransmit > 20) {
    throw new RangeError('maxRetransmit must be an integer in 0..20');
  }
  if (!(nstart >= 1)) throw new RangeError('nstart must be >= 1');
  nonNegative('maxLatencyMs', maxLatencyMs);
  nonNegative('processingDelayMs', processingDelayMs);
  nonNegative('piggybackWindowMs', piggybackWindowMs);
  const maxTransmitSpanMs = ackTimeoutMs * (2 ** maxRetransmit - 1) * ackRandomFactor;
  const maxTransmitWaitMs = ackTimeoutMs * (2 ** (maxRetransmit + 1) - 1) * ackRandomFactor;
  return Object.freeze({
    ackTimeoutMs,
    ackRandomFactor,
    maxRetransmit,
    nstart,
    maxLatencyMs,
    processingDelayMs,
    piggybackWindowMs,
    maxTransmitSpanMs,
    maxTransmitWaitMs,
    maxRttMs: 2 * maxLatencyMs + processingDelayMs,
    exchangeLifetimeMs: maxTransmitSpanMs + 2 * maxLatencyMs + processingDelayMs,
    nonLifetimeMs: maxTransmitSpanMs + maxLatencyMs,
  });
}

/** Human-readable notes on values RFC 7252 §4.8.1 allows only with extra measures. */
export function timingWarnings(t: Timing): string[] {
  const out: string[] = [];
  if (t.ackTimeoutMs < 1000) out.push('RFC 7252 §4.8.1: ACK_TIMEOUT below 1 s needs congestion control');
  if (t.nstart > 1) out.push('RFC 7252 §4.8.1: NSTART above 1 needs congestion control');
  if (t.ackTimeoutMs * 2 ** t.maxRetransmit >= t.maxLatencyMs) {
    out.push('RFC 7252 §4.8.2: ACK_TIMEOUT * 2^MAX_RETRANSMIT >= MAX_LATENCY; EXCHANGE_LIFETIME formula no longer holds');
  }
  if (t.piggybackWindowMs >= t.ackTimeoutMs) {
    out.push('piggyback window >= ACK_TIMEOUT: clients will retransmit before the empty ACK');
  }
  return out;
}

function positive(name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a positive number`);
}

function nonNegative(name: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a non-negative number`);
}
