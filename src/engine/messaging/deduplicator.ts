// Deduplicator: received message IDs per peer for EXCHANGE_LIFETIME / NON_LIFETIME, bounded (RFC 7252 §4.5).
import type { TimerQueue, Timed } from '../timer-queue.js';
import type { Peer } from '../peer.js';
import { DedupIndex } from './dedup-index.js';
import { DedupStore, NONE } from './dedup-store.js';
import { ReplyArena } from './reply-arena.js';

/** The reply arena's budget per remembered entry (ACKs and small responses; a 1 KiB block fits 1 in 8). */
const ARENA_BYTES_PER_ENTRY = 128;

/** Oldest-first list of slots through the store's prev/next; all of one list share a lifetime. */
class SlotList {
  head = NONE;
  tail = NONE;

  constructor(private readonly store: DedupStore) {}

  push(s: number): void {
    const { prev, next } = this.store;
    prev[s] = this.tail;
    next[s] = NONE;
    if (this.tail === NONE) this.head = s;
    else next[this.tail] = s;
    this.tail = s;
  }

  unlink(s: number): void {
    const { prev, next } = this.store;
    const p = prev[s] as number;
    const n = next[s] as number;
    if (p === NONE) this.head = n;
    else next[p] = n;
    if (n === NONE) this.tail = p;
    else prev[n] = p;
  }
}

export interface DeduplicatorOptions {
  readonly exchangeLifetimeMs: number;
  readonly nonLifetimeMs: number;
  readonly perPeer: number;
  readonly total: number;
}

/**
 * Remembers (peer, message ID, token) of received CON and NON messages. A CON is remembered for
 * EXCHANGE_LIFETIME, a NON for NON_LIFETIME (RFC 7252 §4.5). Memory is bounded by a per-peer and a
 * total cap (oldest evicted first). One timer-queue entry covers every expiry.
 *
 * An entry is a slot number of the DedupStore (columns of typed arrays), found through an
 * open-addressing index; replies are copied into a byte ring (ReplyArena). Nothing is allocated per
 * message and nothing per entry is left for the GC. A holder of a slot (a server exchange that
 * replies later) keeps its generation: see setReply().
 */
export class Deduplicator implements Timed {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;
  private readonly store: DedupStore;
  private readonly con: SlotList;
  private readonly non: SlotList;
  /** Every entry by (peer, message ID): one table, not one Map per peer. */
  private readonly index: DedupIndex;
  private readonly arena: ReplyArena;
  /** The (peer, ID) find() last missed: the add() that follows needs no second probe for it. */
  private missPeer: Peer | undefined = undefined;
  private missId = -1;

  constructor(
    private readonly options: DeduplicatorOptions,
    private readonly timers: TimerQueue,
    private readonly onPeerEmptied: (peer: Peer) => void,
  ) {
    this.store = new DedupStore(options.total);
    this.con = new SlotList(this.store);
    this.non = new SlotList(this.store);
    this.index = new DedupIndex(this.store);
    const max = Math.max(64 * 1024, options.total * ARENA_BYTES_PER_ENTRY);
    this.arena = new ReplyArena(Math.min(16 * 1024, max), max);
  }

  get size(): number {
    return this.index.size;
  }

  /** Bytes held for replies (the arena's current size). */
  get replyBytes(): number {
    return this.arena.size;
  }

  /** Slots of the store ever used (in use or free): a steady stream keeps reusing the same few. */
  get slotsUsed(): number {
    return this.store.slotsUsed;
  }

  /** The message IDs remembered for a peer, oldest first (diagnostics and tests). */
  messageIdsOf(peer: Peer): number[] {
    const out: number[] = [];
    for (let s = peer.dedupOldest; s !== NONE; s = this.store.peerNext[s] as number) out.push(this.store.messageId[s] as number);
    return out;
  }

  /**
   * The slot of an earlier message with this ID and token, or NONE. An entry with the same ID but
   * another token is dropped: the rule, so a client that wraps the 16-bit ID space faster than
   * EXCHANGE_LIFETIME is still served (RFC 7252 §4.5 itself keys by ID only).
   */
  find(peer: Peer, messageId: number, tokenLow: number, tokenHigh: number): number {
    const s = this.index.find(peer, messageId);
    if (s !== NONE) {
      const st = this.store;
      // A reply the arena has written over is forgotten with its entry, as if the caps had evicted it.
      if (st.matches(s, tokenLow, tokenHigh) && ((st.replyLength[s] as number) < 0 || this.arena.intact(st.replyLap[s] as number, st.replyOffset[s] as number))) return s;
      this.remove(s);
    }
    this.missPeer = peer;
    this.missId = messageId;
    return NONE;
  }

  /** The reply stored for an entry's duplicates (a copy), or undefined when there is none yet. */
  replyOf(s: number): Buffer | undefined {
    const length = this.store.replyLength[s] as number;
    return length < 0 ? undefined : this.arena.read(this.store.replyOffset[s] as number, length);
  }

  /** The slot's generation now: pass it to setReply() when replying later. */
  generationOf(s: number): number {
    return this.store.generation[s] as number;
  }

  /**
   * Stores the ACK/RST/response to replay for duplicates of the slot's message. `generation` is the
   * slot's when its holder got it: if the entry has since been released (and maybe the slot reused for
   * another message), nothing is stored.
   */
  setReply(s: number, generation: number, datagram: Buffer): void {
    const st = this.store;
    if (st.generation[s] !== generation || !st.linked(s)) return;
    const old = st.replyLength[s] as number;
    if (old >= 0) this.arena.release(old);
    const at = this.arena.store(datagram);
    if (at < 0) {
      st.replyLength[s] = -1;
      return;
    }
    st.replyLap[s] = this.arena.lap;
    st.replyOffset[s] = at;
    st.replyLength[s] = datagram.length;
  }

  /** Remembers a message; its slot. */
  add(peer: Peer, messageId: number, tokenLow: number, tokenHigh: number, confirmable: boolean, now: number): number {
    // Usually find() has just missed this ID (inbound asks first): then there is nothing to replace.
    const old = peer === this.missPeer && messageId === this.missId ? NONE : this.index.find(peer, messageId);
    this.missPeer = undefined;
    if (old !== NONE) this.remove(old);
    // RFC 7252 §4.5 asks to remember every ID for EXCHANGE_LIFETIME; memory is bounded instead: a peer
    // that sends faster than perPeer per lifetime (it wraps its IDs) loses its oldest entries first.
    if (peer.dedupCount >= this.options.perPeer && peer.dedupOldest !== NONE) this.remove(peer.dedupOldest);
    if (this.index.size >= this.options.total) this.evictOldest();
    const st = this.store;
    const s = st.take(peer, messageId, tokenLow, tokenHigh, confirmable, now);
    const list = confirmable ? this.con : this.non;
    const wasEmpty = list.head === NONE;
    list.push(s);
    st.peerPrev[s] = peer.dedupNewest;
    if (peer.dedupNewest === NONE) peer.dedupOldest = s;
    else st.peerNext[peer.dedupNewest] = s;
    peer.dedupNewest = s;
    peer.dedupCount++;
    this.index.insert(s);
    if (wasEmpty) this.reschedule();
    return s;
  }

  onTimer(now: number): void {
    this.expire(this.con, now - this.options.exchangeLifetimeMs);
    this.expire(this.non, now - this.options.nonLifetimeMs);
    this.reschedule();
  }

  /** Forgets everything (endpoint close). */
  clear(): void {
    const st = this.store;
    for (const list of [this.con, this.non]) {
      for (let s = list.head; s !== NONE; s = st.next[s] as number) {
        const peer = st.peer[s] as Peer;
        peer.dedupCount = 0;
        peer.dedupOldest = NONE;
        peer.dedupNewest = NONE;
      }
      list.head = NONE;
      list.tail = NONE;
    }
    st.clear();
    this.index.clear();
    this.arena.clear();
    this.missPeer = undefined;
    this.timers.cancel(this);
  }

  private expire(list: SlotList, createdBefore: number): void {
    const createdAt = this.store.createdAt;
    for (let s = list.head; s !== NONE && (createdAt[s] as number) <= createdBefore; s = list.head) this.remove(s);
  }

  private evictOldest(): void {
    const a = this.con.head;
    const b = this.non.head;
    const createdAt = this.store.createdAt;
    const victim = a === NONE ? b : b === NONE || (createdAt[a] as number) <= (createdAt[b] as number) ? a : b;
    if (victim !== NONE) this.remove(victim);
  }

  private remove(s: number): void {
    const st = this.store;
    if (!st.linked(s)) return;
    this.index.delete(s);
    (st.confirmable(s) ? this.con : this.non).unlink(s);
    const peer = st.peer[s] as Peer;
    const p = st.peerPrev[s] as number;
    const n = st.peerNext[s] as number;
    if (p === NONE) peer.dedupOldest = n;
    else st.peerNext[p] = n;
    if (n === NONE) peer.dedupNewest = p;
    else st.peerPrev[n] = p;
    const length = st.replyLength[s] as number;
    if (length >= 0) this.arena.release(length);
    st.release(s);
    if (--peer.dedupCount === 0) this.onPeerEmptied(peer);
  }

  private reschedule(): void {
    const a = this.con.head;
    const b = this.non.head;
    const createdAt = this.store.createdAt;
    const at = Math.min(
      a === NONE ? Infinity : (createdAt[a] as number) + this.options.exchangeLifetimeMs,
      b === NONE ? Infinity : (createdAt[b] as number) + this.options.nonLifetimeMs,
    );
    if (at === Infinity) this.timers.cancel(this);
    else if (this.timerIndex < 0 || this.timerAt !== at) this.timers.schedule(this, at);
  }
}
