// The verification keys: a static JWKS and/or a JWKS URL, refetched (rate-limited) on an unknown kid.
import { importJWK, type CryptoKey, type JWK, type JSONWebKeySet } from 'jose';
import { type Clock, type Result, ok, err } from '../base/index.js';
import { keyFits, publicPart } from './key-fit.js';
import { failure, quote, type VerifyFailure } from './verify-failure.js';

export interface VerificationKey {
  readonly kid: string | undefined;
  readonly alg: string;
  readonly key: CryptoKey;
}

export interface KeySetOptions {
  readonly jwks?: JSONWebKeySet;
  readonly jwksUrl?: string;
  readonly algorithms: readonly string[];
  readonly clock: Clock;
  readonly fetch: typeof fetch;
  /** At most one fetch of the JWKS URL per this interval, whatever the tokens ask for. */
  readonly refetchMinIntervalMs: number;
  /** Fetched keys older than this are refreshed before use (so removed keys stop working). */
  readonly maxAgeMs: number;
  readonly fetchTimeoutMs: number;
}

export interface KeySet {
  /** Keys that may have signed a token with this header (several only when it names no kid). */
  candidates(alg: string, kid: string | undefined): Promise<Result<VerificationKey[], VerifyFailure>>;
}

const MAX_JWKS_CHARS = 1 << 20;

async function importKeySet(jwks: unknown, algorithms: readonly string[]): Promise<VerificationKey[]> {
  const keys = typeof jwks === 'object' && jwks !== null ? (jwks as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) return [];
  const out: VerificationKey[] = [];
  for (const raw of keys as unknown[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const jwk = publicPart(raw as JWK);
    // RFC 7517 §4.2/§4.3: honour "use" and "key_ops" when present.
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) continue;
    const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    const algs = jwk.alg !== undefined ? [jwk.alg] : algorithms;
    for (const alg of algs) {
      if (!algorithms.includes(alg) || !keyFits(alg, jwk)) continue;
      try {
        const key = await importJWK(jwk, alg);
        if (!(key instanceof Uint8Array)) out.push({ kid, alg, key });
      } catch {
        // A malformed key is skipped; the others still work.
      }
    }
  }
  return out;
}

export function createKeySet(options: KeySetOptions): KeySet {
  const { clock, jwksUrl } = options;
  let staticKeys: Promise<VerificationKey[]> | undefined;
  let remoteKeys: VerificationKey[] = [];
  let lastAttemptAt: number | undefined;
  let lastSuccessAt: number | undefined;
  let lastError: string | undefined;
  let inFlight: Promise<void> | undefined;

  async function fetchRemote(url: string): Promise<void> {
    lastAttemptAt = clock.now();
    const controller = new AbortController();
    const timer = clock.setTimer(() => controller.abort(), options.fetchTimeoutMs);
    try {
      const res = await options.fetch(url, { signal: controller.signal, headers: { accept: 'application/json' } });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      if (text.length > MAX_JWKS_CHARS) throw new Error('JWKS too large');
      remoteKeys = await importKeySet(JSON.parse(text) as unknown, options.algorithms);
      lastSuccessAt = clock.now();
      lastError = undefined;
    } catch (e) {
      lastError = controller.signal.aborted ? 'timed out' : e instanceof Error ? e.message : String(e);
    } finally {
      clock.clearTimer(timer);
    }
  }

  function refresh(url: string): Promise<void> {
    inFlight ??= fetchRemote(url).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  const mayFetch = (): boolean =>
    lastAttemptAt === undefined || clock.now() - lastAttemptAt >= options.refetchMinIntervalMs;

  async function all(): Promise<VerificationKey[]> {
    staticKeys ??= options.jwks === undefined ? Promise.resolve([]) : importKeySet(options.jwks, options.algorithms);
    const own = await staticKeys;
    return remoteKeys.length === 0 ? own : [...own, ...remoteKeys];
  }

  const stale = (): boolean => lastSuccessAt === undefined || clock.now() - lastSuccessAt >= options.maxAgeMs;

  return {
    async candidates(alg, kid) {
      if (jwksUrl !== undefined && stale() && mayFetch()) await refresh(jwksUrl);
      const match = (keys: VerificationKey[]): VerificationKey[] =>
        keys.filter((k) => k.alg === alg && (kid === undefined || k.kid === kid));
      let keys = await all();
      let found = match(keys);
      if (found.length === 0 && kid !== undefined && jwksUrl !== undefined && mayFetch()) {
        // A new kid usually means the issuer rotated its key: look once more (RFC 7517 §4.5).
        await refresh(jwksUrl);
        keys = await all();
        found = match(keys);
      }
      if (found.length > 0) return ok(found);
      if (kid !== undefined && keys.some((k) => k.kid === kid)) {
        return err(failure('algorithm-not-allowed', `key ${quote(kid)} does not sign with ${quote(alg)}`));
      }
      if (keys.length === 0 && lastError !== undefined) {
        return err(failure('unknown-key', `signing keys unavailable (${lastError})`));
      }
      return err(failure('unknown-key', kid === undefined ? `no ${quote(alg)} signing key known` : `unknown signing key ${quote(kid)}`));
    },
  };
}
