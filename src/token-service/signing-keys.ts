// The token service's signing keys: generated on first start, kept in the data directory (0600) so
// tokens survive restarts, rotated with the retired public key published until its tokens expire.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import type { Clock } from '../base/index.js';

export type SigningAlgorithm = 'EdDSA' | 'ES256';
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['EdDSA', 'ES256'];

export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
}

export interface SigningKeys {
  /** The key to sign with now; rotates first when it is older than `rotateAfterMs`. */
  current(): Promise<SigningKey>;
  /** Starts a new key; the old public key stays published for `retainRetiredMs`. */
  rotate(): Promise<SigningKey>;
  /** The public keys a verifier needs: the current one first, then retired ones still in use. */
  jwks(): JSONWebKeySet;
  /** Where the keys are kept, or undefined when they live only in memory. */
  readonly file: string | undefined;
}

export interface SigningKeysOptions {
  readonly dataDir?: string;
  readonly algorithm: SigningAlgorithm;
  readonly clock: Clock;
  /** How long a retired key stays in the JWKS: the longest token lifetime plus clock skew. */
  readonly retainRetiredMs: number;
  readonly rotateAfterMs?: number;
}

interface StoredKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly createdAt: number;
  retiredAt?: number;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

export const KEY_FILE_NAME = 'signing-keys.json';

function publicOf(privateJwk: JWK): JWK {
  const { kty, crv, x, y } = privateJwk;
  return { kty, crv, x, ...(y !== undefined ? { y } : {}) } as JWK;
}

async function newKey(alg: SigningAlgorithm, nowMs: number): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const bare = publicOf(privateJwk);
  // RFC 7638 thumbprint as kid: stable, and unique per key.
  const kid = await calculateJwkThumbprint(bare);
  return { kid, alg, createdAt: nowMs, privateJwk, publicJwk: { ...bare, kid, alg, use: 'sig' } };
}

function parseStored(text: string, file: string): StoredKey[] {
  const fail = (why: string): never => {
    throw new Error(`signing key file ${file} is unusable (${why}); move it away to start with a new key`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch {
    return fail('not JSON');
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return fail('no "keys" array');
  return keys.map((k: unknown): StoredKey => {
    const r = k as Partial<StoredKey> | null;
    if (r === null || typeof r.kid !== 'string' || typeof r.createdAt !== 'number' || typeof r.privateJwk !== 'object') return fail('bad key entry');
    if (r.alg !== 'EdDSA' && r.alg !== 'ES256') return fail(`unknown algorithm ${String(r.alg)}`);
    const bare = publicOf(r.privateJwk);
    return {
      kid: r.kid, alg: r.alg, createdAt: r.createdAt, privateJwk: r.privateJwk,
      publicJwk: { ...bare, kid: r.kid, alg: r.alg, use: 'sig' },
      ...(typeof r.retiredAt === 'number' ? { retiredAt: r.retiredAt } : {}),
    };
  });
}

export async function openSigningKeys(options: SigningKeysOptions): Promise<SigningKeys> {
  const { clock, algorithm, retainRetiredMs } = options;
  const file = options.dataDir === undefined ? undefined : join(options.dataDir, KEY_FILE_NAME);
  let keys: StoredKey[] = [];
  if (file !== undefined && options.dataDir !== undefined) {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (text !== undefined) {
      keys = parseStored(text, file);
      await chmod(file, 0o600);
    }
  }
  const imported = new Map<string, CryptoKey>();

  const live = (k: StoredKey, nowMs: number): boolean => k.retiredAt === undefined || k.retiredAt + retainRetiredMs > nowMs;
  const active = (): StoredKey | undefined => keys.find((k) => k.retiredAt === undefined);

  async function save(): Promise<void> {
    if (file === undefined) return;
    const tmp = `${file}.${process.pid}.tmp`;
    const doc = { version: 1, keys: keys.map(({ publicJwk: _p, ...stored }) => stored) };
    await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, file);
    // A stale tmp file from a crash keeps its old mode through writeFile: enforce 0600.
    await chmod(file, 0o600);
  }

  async function toSigningKey(k: StoredKey): Promise<SigningKey> {
    let privateKey = imported.get(k.kid);
    if (privateKey === undefined) {
      const key = await importJWK(k.privateJwk, k.alg);
      if (key instanceof Uint8Array) throw new Error('signing key is not asymmetric');
      privateKey = key;
      imported.set(k.kid, key);
    }
    return { kid: k.kid, alg: k.alg, privateKey };
  }

  async function doRotate(): Promise<SigningKey> {
    const nowMs = clock.wallNow();
    for (const k of keys) k.retiredAt ??= nowMs;
    const fresh = await newKey(algorithm, nowMs);
    keys = [fresh, ...keys.filter((k) => live(k, nowMs))];
    await save();
    return toSigningKey(fresh);
  }

  // One rotation at a time, even when many token requests find the key too old at once.
  let chain: Promise<unknown> = Promise.resolve();
  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task, task);
    chain = run.catch(() => undefined);
    return run;
  };

  const current = active();
  // First start, or the configured algorithm changed: begin with a fresh key.
  if (current === undefined || current.alg !== algorithm) await doRotate();
  else if (keys.some((k) => !live(k, clock.wallNow()))) {
    keys = keys.filter((k) => live(k, clock.wallNow()));
    await save();
  }

  return {
    file,
    current: () =>
      serialized(async () => {
        const k = active();
        const old = k === undefined || (options.rotateAfterMs !== undefined && clock.wallNow() - k.createdAt >= options.rotateAfterMs);
        return old || k === undefined ? doRotate() : toSigningKey(k);
      }),
    rotate: () => serialized(doRotate),
    jwks: () => {
      const nowMs = clock.wallNow();
      return { keys: keys.filter((k) => live(k, nowMs)).map((k) => ({ ...k.publicJwk })) };
    },
  };
}
