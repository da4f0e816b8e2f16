// Deduplicator: received message IDs per peer for EXCHANGE_LIFETIME / NON_LIFETIME, bounded (RFC 7252 §4.5).
import type { TimerQueue, Timed } from '../timer-queue.js';
import { DedupEntry, Peer } from '../peer.js';
import { DedupIndex } from './dedup-index.js';
import { ReplyArena } from './reply-arena.js';

/** Released entries kept for reuse; beyond this (after a peak) they are left to the GC. */
const FREE_LIMIT = 4096;
/** The reply arena's budget per remembered entry (ACKs and small responses; a 1 KiB block fits 1 in 8). */
const ARENA_BYTES_PER_ENTRY = 128;
/** Stands in for the peer of a released entry, so it pins no real peer. */
const NO_PEER = new Peer(-1, { address: '', port: 0 }, 0, () => undefined);

/** Oldest-first list of entries; all of one list share a lifetime, so the head always expires first. */
class EntryList {
  head: DedupEntry | undefined = undefined;
  tail: DedupEntry | undefined = undefined;

  push(e: DedupEntry): void {
    e.prev = this.tail;
    e.next = undefined;
    if (this.tail === undefined) this.head = e;
    else this.tail.next = e;
    this.tail = e;
  }

  unlink(e: DedupEntry): void {
    if (e.prev === undefined) this.head = e.next;
    else e.prev.next = e.next;
    if (e.next === undefined) this.tail = e.prev;
    else e.next.prev = e.prev;
    e.prev = undefined;
    e.next = undefined;
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
 * Nothing is allocated per message in the steady state: entries are recycled through a free list,
 * the index is an open-addressing table, replies are copied into a byte ring (ReplyArena). A holder
 * of an entry (a server exchange that replies later) keeps its generation: see setReply().
 */
export class Deduplicator implements Timed {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;
  private readonly con = new EntryList();
  private readonly non = new EntryList();
  /** Every entry by (peer, message ID): one table, not one Map per peer. */
  private readonly index = new DedupIndex();
  private readonly arena: ReplyArena;
  /** Released entries, linked through `next`. */
  private free: DedupEntry | undefined = undefined;
  private freeCount = 0;
  /** The (peer, ID) find() last missed: the add() that follows needs no second probe for it. */
  private missPeer: Peer | undefined = undefined;
  private missId = -1;

  constructor(
    private readonly options: DeduplicatorOptions,
    private readonly timers: TimerQueue,
    private readonly onPeerEmptied: (peer: Peer) => void,
  ) {
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

  /** The message IDs remembered for a peer, oldest first (diagnostics and tests). */
  messageIdsOf(peer: Peer): number[] {
    const out: number[] = [];
    for (let e = peer.dedupOldest; e !== undefined; e = e.peerNext) out.push(e.messageId);
    return out;
  }

  /**
   * The entry of an earlier message with this ID and token, or undefined. An entry with the same ID
   * but another token is dropped: the rule, so a client that wraps the 16-bit ID space faster
   * than EXCHANGE_LIFETIME is still served (RFC 7252 §4.5 itself keys by ID only).
   */
  find(peer: Peer, messageId: number, tokenLow: number, tokenHigh: number): DedupEntry | undefined {
    const e = this.index.find(peer, messageId);
    // A reply the arena has written over is forgotten with its entry, as if the caps had evicted it.
    if (e !== undefined && e.matches(tokenLow, tokenHigh) && (e.replyLength < 0 || this.arena.intact(e.replyLap, e.replyOffset))) return e;
    if (e !== undefined) this.remove(e);
    this.missPeer = peer;
    this.missId = messageId;
    return undefined;
  }

  /** The reply stored for an entry's duplicates (a copy), or undefined when there is none yet. */
  replyOf(e: DedupEntry): Buffer | undefined {
    return e.replyLength < 0 ? undefined : this.arena.read(e.replyOffset, e.replyLength);
  }

  /**
   * Stores the ACK/RST/response to replay for duplicates of the entry's message. `generation` is the
   * entry's when its holder got it: if the entry has since been released (and maybe reused for another
   * message), nothing is stored.
   */
  setReply(e: DedupEntry, generation: number, datagram: Buffer): void {
    if (e.generation !== generation || !e.linked) return;
    if (e.replyLength >= 0) this.arena.release(e.replyLength);
    const at = this.arena.store(datagram);
    if (at < 0) {
      e.replyLength = -1;
      return;
    }
    e.replyLap = this.arena.lap;
    e.replyOffset = at;
    e.replyLength = datagram.length;
  }

  add(peer: Peer, messageId: number, tokenLow: number, tokenHigh: number, confirmable: boolean, now: number): DedupEntry {
    // Usually find() has just missed this ID (inbound asks first): then there is nothing to replace.
    const old = peer === this.missPeer && messageId === this.missId ? undefined : this.index.find(peer, messageId);
    this.missPeer = undefined;
    if (old !== undefined) this.remove(old);
    // RFC 7252 §4.5 asks to remember every ID for EXCHANGE_LIFETIME; memory is bounded instead: a peer
    // that sends faster than perPeer per lifetime (it wraps its IDs) loses its oldest entries first.
    if (peer.dedupCount >= this.options.perPeer && peer.dedupOldest !== undefined) this.remove(peer.dedupOldest);
    if (this.index.size >= this.options.total) this.evictOldest();
    const e = this.take().init(peer, messageId, tokenLow, tokenHigh, confirmable, now);
    const list = confirmable ? this.con : this.non;
    const wasEmpty = list.head === undefined;
    list.push(e);
    e.peerPrev = peer.dedupNewest;
    if (peer.dedupNewest === undefined) peer.dedupOldest = e;
    else peer.dedupNewest.peerNext = e;
    peer.dedupNewest = e;
    peer.dedupCount++;
    this.index.insert(e);
    if (wasEmpty) this.reschedule();
    return e;
  }

  onTimer(now: number): void {
    this.expire(this.con, now - this.options.exchangeLifetimeMs);
    this.expire(this.non, now - this.options.nonLifetimeMs);
    this.reschedule();
  }

  /** Forgets everything (endpoint close). */
  clear(): void {
    for (const list of [this.con, this.non]) {
      for (let e = list.head; e !== undefined; ) {
        const next = e.next;
        e.peer.dedupCount = 0;
        e.peer.dedupOldest = undefined;
        e.peer.dedupNewest = undefined;
        e.release(NO_PEER);
        e = next;
      }
      list.head = undefined;
      list.tail = undefined;
    }
    this.index.clear();
    this.arena.clear();
    this.free = undefined;
    this.freeCount = 0;
    this.missPeer = undefined;
    this.timers.cancel(this);
  }

  /** A released entry to reuse, or a new one. */
  private take(): DedupEntry {
    const e = this.free;
    if (e === undefined) return new DedupEntry(NO_PEER);
    this.free = e.next;
    e.next = undefined;
    this.freeCount--;
    return e;
  }

  private expire(list: EntryList, createdBefore: number): void {
    for (let e = list.head; e !== undefined && e.createdAt <= createdBefore; e = list.head) this.remove(e);
  }

  private evictOldest(): void {
    const a = this.con.head;
    const b = this.non.head;
    const victim = a === undefined ? b : b === undefined || a.createdAt <= b.createdAt ? a : b;
    if (victim !== undefined) this.remove(victim);
  }

  private remove(e: DedupEntry): void {
    if (!e.linked) return;
    this.index.delete(e);
    (e.confirmable ? this.con : this.non).unlink(e);
    const peer = e.peer;
    if (e.peerPrev === undefined) peer.dedupOldest = e.peerNext;
    else e.peerPrev.peerNext = e.peerNext;
    if (e.peerNext === undefined) peer.dedupNewest = e.peerPrev;
    else e.peerNext.peerPrev = e.peerPrev;
    if (e.replyLength >= 0) this.arena.release(e.replyLength);
    e.release(NO_PEER);
    if (this.freeCount < FREE_LIMIT) {
      e.next = this.free;
      this.free = e;
      this.freeCount++;
    }
    if (--peer.dedupCount === 0) this.onPeerEmptied(peer);
  }

  private reschedule(): void {
    const a = this.con.head;
    const b = this.non.head;
    const at = Math.min(
      a === undefined ? Infinity : a.createdAt + this.options.exchangeLifetimeMs,
      b === undefined ? Infinity : b.createdAt + this.options.nonLifetimeMs,
    );
    if (at === Infinity) this.timers.cancel(this);
    else if (this.timerIndex < 0 || this.timerAt !== at) this.timers.schedule(this, at);
  }
}
