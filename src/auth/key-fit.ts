// Which JWS algorithms this verifier can accept, and which public key types fit each (RFC 7518 §3.1, RFC 8037 §3.1).
import type { JWK } from 'jose';

const okp = (crv: string) => (jwk: JWK): boolean => jwk.kty === 'OKP' && jwk.crv === crv;
const ec = (crv: string) => (jwk: JWK): boolean => jwk.kty === 'EC' && jwk.crv === crv;
const rsa = (jwk: JWK): boolean => jwk.kty === 'RSA';

// Asymmetric only: an HMAC algorithm would let anyone holding the *public* key mint tokens
// (the "HS256 with the public key as secret" confusion), so HS* is never on this list.
const KEY_FITS: Readonly<Record<string, (jwk: JWK) => boolean>> = {
  EdDSA: okp('Ed25519'),
  Ed25519: okp('Ed25519'),
  ES256: ec('P-256'),
  ES384: ec('P-384'),
  ES512: ec('P-521'),
  RS256: rsa,
  RS384: rsa,
  RS512: rsa,
  PS256: rsa,
  PS384: rsa,
  PS512: rsa,
};

export const SUPPORTED_ALGORITHMS: readonly string[] = Object.keys(KEY_FITS);
export const DEFAULT_ALGORITHMS: readonly string[] = ['EdDSA', 'ES256'];

export function isSupportedAlgorithm(alg: string): boolean {
  return Object.hasOwn(KEY_FITS, alg);
}

export function keyFits(alg: string, jwk: JWK): boolean {
  const fits = Object.hasOwn(KEY_FITS, alg) ? KEY_FITS[alg] : undefined;
  return fits !== undefined && fits(jwk);
}

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use', 'key_ops'] as const;

/** The public part of a JWK: private members (`d`, `p`, ...) are dropped, never imported. */
export function publicPart(jwk: JWK): JWK {
  const out: Record<string, unknown> = {};
  for (const name of PUBLIC_MEMBERS) if (jwk[name] !== undefined) out[name] = jwk[name];
  return out as JWK;
}
