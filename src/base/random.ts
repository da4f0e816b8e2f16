// Random: the only source of randomness (tokens, message IDs, jitter), injectable for tests.
import { randomBytes, randomInt } from 'node:crypto';

export interface Random {
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [min, max). */
  int(min: number, max: number): number;
  bytes(length: number): Buffer;
}

const POOL_SIZE = 4096;

class CryptoRandom implements Random {
  private pool = randomBytes(POOL_SIZE);
  private offset = 0;

  float(): number {
    return this.take(4).readUInt32BE(0) / 0x1_0000_0000;
  }

  int(min: number, max: number): number {
    return randomInt(min, max);
  }

  bytes(length: number): Buffer {
    return Buffer.from(this.take(length));
  }

  // Pooled so per-request tokens do not cost one syscall each.
  private take(length: number): Buffer {
    if (length > POOL_SIZE) return randomBytes(length);
    if (this.offset + length > POOL_SIZE) {
      this.pool = randomBytes(POOL_SIZE);
      this.offset = 0;
    }
    const out = this.pool.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
}

export const cryptoRandom: Random = new CryptoRandom();

/** Deterministic generator (mulberry32) for tests and simulations. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  return {
    float: next,
    int: (min, max) => min + Math.floor(next() * (max - min)),
    bytes: (length) => {
      const b = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
}
