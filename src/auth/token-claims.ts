// The verified claims of an access token, shaped for the gateway; built from a verified JWT payload.
import { type Result, ok, err } from '../base/index.js';
import { compilePermissions, parsePermissions, type PermissionSet } from './permissions.js';
import { failure, type VerifyFailure } from './verify-failure.js';

export interface TokenClaims {
  /** `sub`: the account's client id. */
  readonly subject: string;
  /** `iss` */
  readonly issuer: string;
  /** `aud`, always as a list. */
  readonly audience: readonly string[];
  /** `iat` as Unix time in milliseconds (the scale of Clock.wallNow()). */
  readonly issuedAt: number;
  /** `exp` as Unix time in milliseconds. */
  readonly expiresAt: number;
  /** `jti` */
  readonly jwtId: string;
  /** The `permissions` claim, compiled; an absent claim grants nothing. */
  readonly permissions: PermissionSet;
  /** The account's concurrent session limit, when the token carries one. */
  readonly sessionLimit?: number;
  /** The whole verified payload. */
  readonly raw: Readonly<Record<string, unknown>>;
}

const MAX_SESSION_LIMIT = 1_000_000;

const bad = (message: string): Result<never, VerifyFailure> => err(failure('unparsable', message));

/** Shapes a payload whose signature, iss, aud, exp and nbf were already checked. */
export function claimsFromPayload(payload: Readonly<Record<string, unknown>>): Result<TokenClaims, VerifyFailure> {
  const { sub, iss, aud, iat, exp, jti } = payload;
  if (typeof sub !== 'string' || sub.length === 0) return bad('token has no "sub" (client id)');
  if (typeof iss !== 'string') return bad('token has no "iss"');
  const audience = typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(audience) || !audience.every((a): a is string => typeof a === 'string')) {
    return bad('token has no "aud"');
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return bad('token has no numeric "iat"');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return bad('token has no numeric "exp"');
  if (typeof jti !== 'string' || jti.length === 0) return bad('token has no "jti"');
  const rules = payload['permissions'] === undefined ? ok([]) : parsePermissions(payload['permissions']);
  if (!rules.ok) return bad(`token has bad permissions: ${rules.error[0] ?? ''}`);
  const limit = payload['sessionLimit'];
  if (limit !== undefined && !(Number.isInteger(limit) && typeof limit === 'number' && limit >= 1 && limit <= MAX_SESSION_LIMIT)) {
    return bad('token has a bad "sessionLimit"');
  }
  const claims: TokenClaims = {
    subject: sub,
    issuer: iss,
    audience,
    issuedAt: iat * 1000,
    expiresAt: exp * 1000,
    jwtId: jti,
    permissions: compilePermissions(rules.value),
    raw: payload,
    ...(typeof limit === 'number' ? { sessionLimit: limit } : {}),
  };
  return ok(claims);
}
