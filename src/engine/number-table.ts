// NumberTable: a peer's table keyed by a number (message ID, token), open addressing in two arrays.

/**
 * Why not a Map: a long-lived Map whose entries come and go (one per request in flight) rehashes
 * every few insertions, because deleted entries only leave its hash table when it is rebuilt, and it
 * also shrinks and regrows as the count swings. V8 allocates the rebuilt table in old space when the
 * Map is old, so a gateway at half load made ~13,000 dead tables a second there, and the mark-compacts
 * that cleaned them up were the slowest pauses in its latency tail (bench/RESULTS.md, s2b).
 *
 * Here deletion shifts the following entries back (linear probing needs no tombstones), so a table
 * whose size stays within its capacity never allocates. It doubles at 3/4 full; it shrinks only when
 * it is large and nearly empty (under 1/16), so a count that swings does not rebuild it.
 */
const MIN_CAPACITY = 8;
/** Tables this small never shrink (at most 1 KB per table). */
const SHRINK_FLOOR = 64;

export class NumberTable<V> {
  private keys: number[];
  /** undefined marks a free slot (values are never undefined). */
  private vals: (V | undefined)[];
  private mask: number;
  /** 32 - log2(capacity): the hash keeps the top bits of a multiplicative mix. */
  private shift: number;
  private count = 0;

  constructor() {
    this.keys = doubles(MIN_CAPACITY);
    this.vals = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
    this.shift = 32 - Math.log2(MIN_CAPACITY);
  }

  get size(): number {
    return this.count;
  }

  /** Slots allocated (for tests and memory figures). */
  get capacity(): number {
    return this.mask + 1;
  }

  get(key: number): V | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : this.vals[i];
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  set(key: number, value: V): this {
    const i = this.find(key);
    if (i >= 0) {
      this.vals[i] = value;
      return this;
    }
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.resize((this.mask + 1) * 2);
    this.insertNew(key, value);
    this.count++;
    return this;
  }

  delete(key: number): boolean {
    let i = this.find(key);
    if (i < 0) return false;
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    // Backward shift: move each following entry of the probe run into the hole when its home slot
    // is not cyclically within (hole, entry]; stop at the first free slot.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = vals[j];
      if (v === undefined) break;
      const k = keys[j] as number;
      if (staysInRun(i, j, this.home(k))) continue;
      keys[i] = k;
      vals[i] = v;
      i = j;
    }
    vals[i] = undefined;
    this.count--;
    const cap = mask + 1;
    if (cap > SHRINK_FLOOR && this.count * 16 < cap) this.resize(Math.max(SHRINK_FLOOR, cap / 4));
    return true;
  }

  /** The values, as a new array (callers may change the table while walking it). */
  values(): V[] {
    const out: V[] = [];
    for (const v of this.vals) if (v !== undefined) out.push(v);
    return out;
  }

  private home(key: number): number {
    // Low and high 32 bits (keys are integers below 2^53), mixed, then the top bits (Fibonacci hashing).
    const lo = key | 0;
    const hi = (key / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1 | 0) >>> this.shift;
  }

  private find(key: number): number {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      if (vals[i] === undefined) return -1;
      if (keys[i] === key) return i;
    }
  }

  private insertNew(key: number, value: V): void {
    const mask = this.mask;
    let i = this.home(key);
    while (this.vals[i] !== undefined) i = (i + 1) & mask;
    this.keys[i] = key;
    this.vals[i] = value;
  }

  private resize(capacity: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = doubles(capacity);
    this.vals = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    for (let i = 0; i < oldVals.length; i++) {
      const v = oldVals[i];
      if (v !== undefined) this.insertNew(oldKeys[i] as number, v);
    }
  }
}

/**
 * Backward-shift deletion in linear probing (here and in messaging/dedup-index.ts): the entry at `j`,
 * whose home slot is `home`, stays put when its home is cyclically within (hole, j]; otherwise it moves
 * into the hole.
 */
export function staysInRun(hole: number, j: number, home: number): boolean {
  return hole <= j ? hole < home && home <= j : hole < home || home <= j;
}

/** An array of doubles from the start, so every table's keys have one elements kind. */
function doubles(n: number): number[] {
  return new Array<number>(n).fill(0.5);
}
