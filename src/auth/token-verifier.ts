// Verifies access tokens (RFC 7519 JWTs signed per RFC 7515) for the gateway's POST /sessions:
// allowed algorithms and keys only, issuer, audience, exp/nbf with a small skew, time from a Clock.
import { errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { type Clock, type Result, err } from '../base/index.js';
import { channel } from '../telemetry/index.js';
import { parseCompactToken } from './compact-token.js';
import { DEFAULT_ALGORITHMS, isSupportedAlgorithm } from './key-fit.js';
import { createKeySet } from './key-set.js';
import { claimsFromPayload, type TokenClaims } from './token-claims.js';
import { failure, quote, type VerifyFailure, type VerifyFailureReason } from './verify-failure.js';

export interface TokenVerifierOptions {
  /** Trusted public keys. At least one of `jwks` and `jwksUrl` is required. */
  readonly jwks?: JSONWebKeySet;
  /** The token service's `/.well-known/jwks.json`; fetched on first use and again on an unknown kid. */
  readonly jwksUrl?: string;
  readonly issuer: string;
  readonly audience: string;
  /** Accepted `alg` values; default EdDSA and ES256. HMAC algorithms are refused at construction. */
  readonly algorithms?: readonly string[];
  /** Tolerance for exp/nbf/iat against this clock; default 60 s. */
  readonly clockSkewSec?: number;
  readonly clock: Clock;
  readonly fetch?: typeof fetch;
  /** Longest accepted token; default 8192 bytes. */
  readonly maxTokenBytes?: number;
  /** When set, the header `typ` must equal it (e.g. `at+jwt`, RFC 9068 §2.1). */
  readonly tokenType?: string;
  readonly jwksRefetchMinIntervalMs?: number;
  readonly jwksMaxAgeMs?: number;
  readonly jwksFetchTimeoutMs?: number;
}

export interface TokenVerifier {
  verify(token: string): Promise<Result<TokenClaims, VerifyFailure>>;
}

/** Published on `coap-gateway:auth.token-verified` for every verification. */
export interface TokenVerifiedEvent {
  readonly subject: string | undefined;
  readonly reason: VerifyFailureReason | undefined;
}
const verifiedChannel = channel<TokenVerifiedEvent>('auth.token-verified');

const iso = (sec: unknown): string => (typeof sec === 'number' && Number.isFinite(sec) ? new Date(sec * 1000).toISOString() : '?');

function mapJoseError(e: unknown): VerifyFailure {
  if (e instanceof errors.JWTExpired) return failure('expired', `token expired at ${iso(e.payload['exp'])}`);
  if (e instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason, payload } = e;
    if (claim === 'iss') {
      const iss = payload['iss'];
      return failure('wrong-issuer', typeof iss === 'string' ? `token issuer ${quote(iss)} is not trusted` : 'token has no issuer');
    }
    if (claim === 'aud') return failure('wrong-audience', 'token is not meant for this gateway (aud)');
    if (claim === 'nbf' && reason === 'check_failed') return failure('not-yet-valid', `token not valid before ${iso(payload['nbf'])}`);
    if (claim === 'typ') return failure('unparsable', 'token is not an access token (typ)');
    return failure('unparsable', reason === 'missing' ? `token has no "${claim}"` : `token has a bad "${claim}"`);
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return failure('bad-signature', 'token signature does not verify');
  if (e instanceof errors.JOSEAlgNotAllowed) return failure('algorithm-not-allowed', 'token algorithm is not allowed');
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return failure('unparsable', 'token is malformed');
  return failure('bad-signature', 'token could not be verified');
}

function checkAlgorithms(algorithms: readonly string[]): void {
  if (algorithms.length === 0) throw new TypeError('token verifier: algorithms must not be empty');
  for (const alg of algorithms) {
    if (/^HS/i.test(alg)) throw new TypeError(`token verifier: HMAC algorithm ${alg} is never accepted (asymmetric keys only)`);
    if (!isSupportedAlgorithm(alg)) throw new TypeError(`token verifier: unsupported algorithm ${alg}`);
  }
}

/** Throws a TypeError on bad configuration; `verify` itself never throws. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  checkAlgorithms(algorithms);
  if (options.jwks === undefined && options.jwksUrl === undefined) {
    throw new TypeError('token verifier: give jwks or jwksUrl');
  }
  const { clock, issuer, audience } = options;
  const skewSec = options.clockSkewSec ?? 60;
  const maxBytes = options.maxTokenBytes ?? 8192;
  const keySet = createKeySet({
    ...(options.jwks !== undefined ? { jwks: options.jwks } : {}),
    ...(options.jwksUrl !== undefined ? { jwksUrl: options.jwksUrl } : {}),
    algorithms,
    clock,
    fetch: (input, init) => (options.fetch ?? globalThis.fetch)(input, init),
    refetchMinIntervalMs: options.jwksRefetchMinIntervalMs ?? 10_000,
    maxAgeMs: options.jwksMaxAgeMs ?? 600_000,
    fetchTimeoutMs: options.jwksFetchTimeoutMs ?? 5_000,
  });

  async function check(token: string): Promise<Result<TokenClaims, VerifyFailure>> {
    const parsed = parseCompactToken(token, maxBytes);
    if (!parsed.ok) return parsed;
    const { alg, kid, text } = parsed.value;
    if (!algorithms.includes(alg)) return err(failure('algorithm-not-allowed', `algorithm ${quote(alg)} is not allowed`));
    const keys = await keySet.candidates(alg, kid);
    if (!keys.ok) return keys;
    let last = failure('bad-signature', 'token signature does not verify');
    for (const candidate of keys.value) {
      try {
        const nowMs = clock.wallNow();
        const { payload } = await jwtVerify(text, candidate.key, {
          algorithms: [alg],
          issuer,
          audience,
          clockTolerance: skewSec,
          currentDate: new Date(nowMs),
          requiredClaims: ['exp', 'iat', 'sub', 'jti'],
          ...(options.tokenType !== undefined ? { typ: options.tokenType } : {}),
        });
        // jose checks iat only with maxTokenAge; a token from the future is not valid yet.
        if (typeof payload.iat === 'number' && payload.iat * 1000 > nowMs + skewSec * 1000) {
          return err(failure('not-yet-valid', `token issued in the future (${iso(payload.iat)})`));
        }
        return claimsFromPayload(payload);
      } catch (e) {
        last = mapJoseError(e);
        // Without a kid several keys may fit: only a signature mismatch moves on to the next one.
        if (last.reason !== 'bad-signature') return err(last);
      }
    }
    return err(last);
  }

  return {
    async verify(token) {
      const result = await check(token);
      if (verifiedChannel.hasSubscribers) {
        verifiedChannel.publish(result.ok ? { subject: result.value.subject, reason: undefined } : { subject: undefined, reason: result.error.reason });
      }
      return result;
    },
  };
}
