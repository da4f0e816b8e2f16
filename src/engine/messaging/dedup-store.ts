// Dedup store: the remembered message IDs as columns of typed arrays, one slot number per entry.
import type { Peer } from '../peer.js';

/** No slot: the end of a list, an empty index cell, "not found". */
export const NONE = -1;

const CONFIRMABLE = 1 << 16;
const LINKED = 1 << 17;

/**
 * Entries live for EXCHANGE_LIFETIME (247 s), so while the caps fill up every request adds one that
 * outlives a young-generation GC. As objects they were copied by each scavenge and then promoted: at
 * 20,000 req/s ~370 KB per scavenge, which made the pause 2-3 ms instead of ~1 ms (bench s2b). As
 * columns of typed arrays an entry is a slot number: nothing per entry for the GC to trace, copy or
 * promote, and 64 bytes in all. The columns are allocated at the cap once (see the constructor);
 * released slots are kept in a free list through `next`.
 *
 * Fields of slot s: peer[s], messageId[s]; tokenLow[s] and tokenHigh in bits[s] (exact token
 * identity, see peer.ts), confirmable and linked flags in bits[s]; createdAt[s] in whole ms; the
 * generation[s] bumped on every release; prev/next (the lifetime list, or the free list) and
 * peerPrev/peerNext (the peer's own list); the reply's span in the reply arena (replyLength -1: none).
 */
export class DedupStore {
  readonly peer: (Peer | undefined)[];
  readonly messageId: Int32Array;
  readonly tokenLow: Float64Array;
  readonly bits: Int32Array;
  readonly createdAt: Float64Array;
  readonly generation: Int32Array;
  readonly prev: Int32Array;
  readonly next: Int32Array;
  readonly peerPrev: Int32Array;
  readonly peerNext: Int32Array;
  readonly replyLap: Float64Array;
  readonly replyOffset: Int32Array;
  readonly replyLength: Int32Array;
  private free = NONE;
  private used = 0;

  /**
   * All columns are allocated at `capacity` (the deduplicator's total cap) at once: large typed arrays
   * are zero pages the OS backs only when first written, so slots cost memory as they come into use,
   * and no doubling ever copies the columns in the middle of a load (3 ms at 65,536 slots).
   */
  constructor(readonly capacity: number) {
    this.peer = new Array<Peer | undefined>(capacity).fill(undefined);
    this.messageId = new Int32Array(capacity);
    this.tokenLow = new Float64Array(capacity);
    this.bits = new Int32Array(capacity);
    this.createdAt = new Float64Array(capacity);
    this.generation = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.peerPrev = new Int32Array(capacity);
    this.peerNext = new Int32Array(capacity);
    this.replyLap = new Float64Array(capacity);
    this.replyOffset = new Int32Array(capacity);
    this.replyLength = new Int32Array(capacity);
  }

  /** Slots ever used (in use or free). */
  get slotsUsed(): number {
    return this.used;
  }

  /** A slot made the record of one received message (linked, no reply, no list links). */
  take(peer: Peer, messageId: number, tokenLow: number, tokenHigh: number, confirmable: boolean, createdAt: number): number {
    let s = this.free;
    if (s !== NONE) this.free = this.next[s] as number;
    else if (this.used < this.capacity) s = this.used++;
    else throw new RangeError(`dedup store full (${this.capacity} slots): release one first`);
    this.peer[s] = peer;
    this.messageId[s] = messageId;
    this.tokenLow[s] = tokenLow;
    this.bits[s] = tokenHigh | (confirmable ? CONFIRMABLE : 0) | LINKED;
    // Rounding up never expires an entry early.
    this.createdAt[s] = Math.ceil(createdAt);
    this.prev[s] = NONE;
    this.next[s] = NONE;
    this.peerPrev[s] = NONE;
    this.peerNext[s] = NONE;
    this.replyLength[s] = -1;
    return s;
  }

  /** Out of use: unlinked, reply forgotten, generation bumped (a late holder sees it), peer unpinned. */
  release(s: number): void {
    this.peer[s] = undefined;
    this.bits[s] = 0;
    this.generation[s] = ((this.generation[s] as number) + 1) & 0x3fffffff;
    this.replyLength[s] = -1;
    this.prev[s] = NONE;
    this.peerPrev[s] = NONE;
    this.peerNext[s] = NONE;
    this.next[s] = this.free;
    this.free = s;
  }

  /** Drops every slot (endpoint close); generations go on, so no old holder matches a new entry. */
  clear(): void {
    for (let s = 0; s < this.used; s++) if (this.linked(s)) this.release(s);
  }

  tokenHigh(s: number): number {
    return (this.bits[s] as number) & 0xffff;
  }

  confirmable(s: number): boolean {
    return ((this.bits[s] as number) & CONFIRMABLE) !== 0;
  }

  /** In the deduplicator (not expired, evicted or replaced). */
  linked(s: number): boolean {
    return ((this.bits[s] as number) & LINKED) !== 0;
  }

  /** The same token (see tokenLow/tokenHigh in peer.ts)? */
  matches(s: number, tokenLow: number, tokenHigh: number): boolean {
    return this.tokenLow[s] === tokenLow && ((this.bits[s] as number) & 0xffff) === tokenHigh;
  }
}
