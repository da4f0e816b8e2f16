// The one error catalog: every gateway-made error kind -> CoAP code + diagnostic payload text.
import { Code, OptionNumber, encodeUint, type CoapOption } from '../coap/index.js';

/** A response the gateway makes itself (options sorted, payload UTF-8 diagnostic for errors). */
export interface ResponseParts {
  readonly code: number;
  readonly options: readonly CoapOption[];
  readonly payload: Buffer;
}

interface CatalogEntry {
  readonly code: number;
  readonly text: string;
}

const CATALOG = {
  'bad-request': { code: Code.BAD_REQUEST, text: 'Bad request' },
  // RFC 7252 §5.4.1 / §5.7.1: unrecognized critical option, or unrecognized unsafe option at a proxy.
  'bad-option': { code: Code.BAD_OPTION, text: 'Unrecognized or malformed option' },
  // RFC 7252 §5.10.2 / §6.4: a Proxy-Uri that cannot be decomposed.
  'malformed-target': { code: Code.BAD_OPTION, text: 'Malformed Proxy-Uri' },
  'no-session': { code: Code.UNAUTHORIZED, text: 'No session: POST your token to /sessions first' },
  'not-permitted': { code: Code.UNAUTHORIZED, text: 'Not permitted for this device or method' },
  'login-refused': { code: Code.UNAUTHORIZED, text: 'Token refused' },
  // RFC 8516: too many concurrent sessions for the account.
  'session-limit': { code: Code.TOO_MANY_REQUESTS, text: 'Session limit reached for this account' },
  // RFC 8516 §3: a client over its request rate; Max-Age says when to retry.
  'rate-limited': { code: Code.TOO_MANY_REQUESTS, text: 'Too many requests from this client' },
  'no-session-to-close': { code: Code.PRECONDITION_FAILED, text: 'No session to close on this socket' },
  'not-found': { code: Code.NOT_FOUND, text: 'No such resource on the gateway' },
  // RFC 7252 §5.8: unknown or unsupported method -> 4.05.
  'method-not-allowed': { code: Code.METHOD_NOT_ALLOWED, text: 'Method not allowed' },
  'unsupported-content-format': { code: Code.UNSUPPORTED_CONTENT_FORMAT, text: 'Unsupported Content-Format' },
  'request-too-large': { code: Code.REQUEST_ENTITY_TOO_LARGE, text: 'Request entity too large' },
  // RFC 7252 §5.7.2: scheme or target the proxy will not serve.
  'proxying-not-supported': { code: Code.PROXYING_NOT_SUPPORTED, text: 'Proxying not supported for this target' },
  // RFC 7252 §5.9.3.3: the gateway could not reach or understand the device.
  unresolvable: { code: Code.BAD_GATEWAY, text: 'Device name could not be resolved' },
  'bad-gateway': { code: Code.BAD_GATEWAY, text: 'Device response could not be relayed' },
  // RFC 7252 §5.7.1: no timely response from the device.
  'gateway-timeout': { code: Code.GATEWAY_TIMEOUT, text: 'Device did not answer in time' },
  // RFC 7252 §5.9.3.4: temporary overload; Max-Age says when to retry.
  overloaded: { code: Code.SERVICE_UNAVAILABLE, text: 'Too many requests waiting for this device' },
  'session-closed': { code: Code.SERVICE_UNAVAILABLE, text: 'Session closed after being idle' },
  // RFC 8768 §3: the payload names the proxy that stopped the request.
  'hop-limit-reached': { code: Code.HOP_LIMIT_REACHED, text: 'Hop limit reached' },
  internal: { code: Code.INTERNAL_SERVER_ERROR, text: 'Internal gateway error' },
} as const satisfies Record<string, CatalogEntry>;

export type GatewayErrorKind = keyof typeof CATALOG;

/** An error the pipeline turns into a response; it never carries a stack to the client. */
export interface GatewayError {
  readonly kind: GatewayErrorKind;
  /** Replaces the catalog text as diagnostic payload (e.g. the verifier's reason). */
  readonly detail?: string;
  /** Max-Age seconds for the response (default 0: error responses are not to be cached). */
  readonly maxAgeSec?: number;
}

export function gatewayError(kind: GatewayErrorKind, detail?: string, maxAgeSec?: number): GatewayError {
  return {
    kind,
    ...(detail === undefined ? {} : { detail }),
    ...(maxAgeSec === undefined ? {} : { maxAgeSec }),
  };
}

export function isGatewayError(value: unknown): value is GatewayError {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string' && (value as { kind: string }).kind in CATALOG;
}

export function errorCode(kind: GatewayErrorKind): number {
  return CATALOG[kind].code;
}

/** Diagnostic payloads are short human text (RFC 7252 §5.5.2); keep them inside one datagram. */
const MAX_DIAGNOSTIC_BYTES = 200;

/**
 * RFC 7252 §5.5.2: error responses carry a UTF-8 diagnostic payload and no Content-Format.
 * Max-Age 0 because 4.xx/5.xx responses are otherwise cacheable for 60 s (§5.9.3).
 */
export function errorResponse(error: GatewayError): ResponseParts {
  const entry: CatalogEntry = CATALOG[error.kind];
  let payload = Buffer.from(error.detail ?? entry.text, 'utf8');
  if (payload.length > MAX_DIAGNOSTIC_BYTES) payload = payload.subarray(0, MAX_DIAGNOSTIC_BYTES);
  return {
    code: entry.code,
    options: [{ number: OptionNumber.MAX_AGE, value: encodeUint(error.maxAgeSec ?? 0) }],
    payload,
  };
}
