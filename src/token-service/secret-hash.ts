// Client secrets at rest: scrypt hashes (`scrypt$N=..,r=..,p=..$salt$hash`) or, for demos, `plain:` text.
import { createHash, scrypt, timingSafeEqual } from 'node:crypto';
import { type Random, type Result, ok, err } from '../base/index.js';

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** 32 MiB and about 0.1 s per check: client secrets are API keys, checked once per token. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 1 << 15, r: 8, p: 1 };

export type StoredSecret =
  | { readonly kind: 'scrypt'; readonly cost: ScryptCost; readonly salt: Buffer; readonly hash: Buffer }
  | { readonly kind: 'plain'; readonly digest: Buffer };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const B64URL = /^[A-Za-z0-9_-]+$/;

function checkCost(cost: ScryptCost): string | undefined {
  const { N, r, p } = cost;
  // Bounds keep a bad file from asking for gigabytes or minutes per check.
  if (!Number.isInteger(Math.log2(N)) || N < 1 << 10 || N > 1 << 20) return 'N must be a power of two from 1024 to 1048576';
  if (!Number.isInteger(r) || r < 1 || r > 32) return 'r must be 1..32';
  if (!Number.isInteger(p) || p < 1 || p > 16) return 'p must be 1..16';
  return undefined;
}

const maxmem = (c: ScryptCost): number => 128 * c.N * c.r + 1024 * c.r * c.p + (16 << 20);

function derive(secret: string, salt: Buffer, cost: ScryptCost, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { N: cost.N, r: cost.r, p: cost.p, maxmem: maxmem(cost) }, (e, key) => (e ? reject(e) : resolve(key)));
  });
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Hashes a secret for the accounts file (what `coap-gateway hash-secret` prints). */
export async function hashSecret(secret: string, random: Random, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const problem = checkCost(cost);
  if (problem !== undefined) throw new RangeError(`scrypt cost: ${problem}`);
  const salt = random.bytes(SALT_BYTES);
  const hash = await derive(secret, salt, cost, HASH_BYTES);
  return `scrypt$N=${cost.N},r=${cost.r},p=${cost.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Parses the stored form; the error never repeats the value (it may be a plain secret). */
export function parseStoredSecret(text: string): Result<StoredSecret, string> {
  if (text.startsWith('plain:')) {
    if (text.length === 'plain:'.length) return err('plain secret is empty');
    return ok({ kind: 'plain', digest: sha256(text.slice('plain:'.length)) });
  }
  if (!text.startsWith('scrypt$')) return err('must be a hash from `coap-gateway hash-secret` (scrypt$...) or plain:<secret>');
  const [, params = '', salt = '', hash = '', ...rest] = text.split('$');
  const m = /^N=(\d+),r=(\d+),p=(\d+)$/.exec(params);
  if (m === null || rest.length > 0 || !B64URL.test(salt) || !B64URL.test(hash)) {
    return err('malformed scrypt hash (expected scrypt$N=<n>,r=<r>,p=<p>$<salt>$<hash>)');
  }
  const cost = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const problem = checkCost(cost);
  if (problem !== undefined) return err(`scrypt hash: ${problem}`);
  const saltBytes = Buffer.from(salt, 'base64url');
  const hashBytes = Buffer.from(hash, 'base64url');
  if (saltBytes.length < 8 || hashBytes.length < 16 || hashBytes.length > 64) return err('scrypt hash: salt or hash too short');
  return ok({ kind: 'scrypt', cost, salt: saltBytes, hash: hashBytes });
}

/** Constant-time check of a presented secret against the stored one. */
export async function verifySecret(presented: string, stored: StoredSecret): Promise<boolean> {
  if (stored.kind === 'plain') return timingSafeEqual(sha256(presented), stored.digest);
  const derived = await derive(presented, stored.salt, stored.cost, stored.hash.length);
  return timingSafeEqual(derived, stored.hash);
}
