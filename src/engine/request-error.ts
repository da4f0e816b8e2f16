// RequestError: the one error type a client request or observation fails with, with a stable kind.

/**
 * - `reset`: the peer answered with RST (RFC 7252 §4.2/§4.3).
 * - `timeout`: no ACK after MAX_RETRANSMIT retransmissions, or no response within the deadline.
 * - `cancelled`: the caller aborted (AbortSignal or cancel()).
 * - `closed`: the endpoint was closed while the request was pending.
 * - `invalid`: the request could not be sent as given (e.g. a token over 8 bytes).
 */
export type RequestErrorKind = 'reset' | 'timeout' | 'cancelled' | 'closed' | 'invalid';

export class RequestError extends Error {
  override readonly name = 'RequestError';

  constructor(
    readonly kind: RequestErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export function isRequestError(e: unknown, kind?: RequestErrorKind): e is RequestError {
  return e instanceof RequestError && (kind === undefined || e.kind === kind);
}
