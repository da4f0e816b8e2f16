// Structural checks of a compact JWS before any crypto: size, three segments, base64url, JSON header.
import { type Result, ok, err } from '../base/index.js';
import { failure, type VerifyFailure } from './verify-failure.js';

export interface CompactToken {
  /** The token without surrounding white space. */
  readonly text: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly alg: string;
  readonly kid: string | undefined;
}

// RFC 4648 §5 alphabet without padding (RFC 7515 §2: base64url without '=').
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function isBase64url(segment: string): boolean {
  // A length of 4n+1 cannot come from any byte string.
  return BASE64URL.test(segment) && segment.length % 4 !== 1;
}

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const unparsable = (message: string): Result<never, VerifyFailure> => err(failure('unparsable', message));

/**
 * Splits and checks a compact JWS (RFC 7515 §7.1). White space around the token is ignored:
 * `echo $TOKEN | coap-client -f -` sends a trailing newline.
 */
export function parseCompactToken(input: string, maxBytes: number): Result<CompactToken, VerifyFailure> {
  if (input.length > maxBytes) return err(failure('too-large', `token longer than ${maxBytes} bytes`));
  const text = input.trim();
  if (text.length === 0) return unparsable('empty token');
  const segments = text.split('.');
  if (segments.length === 5) return unparsable('encrypted tokens (JWE) are not accepted');
  if (segments.length !== 3) return unparsable(`a JWT has 3 dot-separated parts, this has ${segments.length}`);
  const [head = '', body = '', signature = ''] = segments;
  if (!isBase64url(head) || !isBase64url(body) || !isBase64url(signature)) {
    return unparsable('token is not base64url');
  }
  const header = decodeJsonObject(head);
  if (header === undefined) return unparsable('token header is not a JSON object');
  const alg = header['alg'];
  if (typeof alg !== 'string' || alg.length === 0) return unparsable('token header has no "alg"');
  // RFC 7519 §6: an Unsecured JWT carries alg "none" and an empty signature; never accepted.
  if (alg.toLowerCase() === 'none') return err(failure('unsigned', 'unsigned token (alg "none")'));
  if (signature.length === 0) return err(failure('unsigned', 'token has no signature'));
  if (body.length === 0 || decodeJsonObject(body) === undefined) return unparsable('token payload is not a JSON object');
  const kid = header['kid'];
  if (kid !== undefined && typeof kid !== 'string') return unparsable('token header "kid" is not a string');
  return ok({ text, header, alg, kid });
}
