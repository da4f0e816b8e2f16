// Deduplicator: received message IDs per peer for EXCHANGE_LIFETIME / NON_LIFETIME, bounded (RFC 7252 §4.5).
import type { TimerQueue, Timed } from '../timer-queue.js';
import { DedupEntry, type Peer } from '../peer.js';

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
 */
export class Deduplicator implements Timed {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;
  private readonly con = new EntryList();
  private readonly non = new EntryList();
  /** Every entry by peer serial * 65536 + message ID: one table, not one Map per peer. */
  private readonly entries = new Map<number, DedupEntry>();

  constructor(
    private readonly options: DeduplicatorOptions,
    private readonly timers: TimerQueue,
    private readonly onPeerEmptied: (peer: Peer) => void,
  ) {}

  get size(): number {
    return this.entries.size;
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
    const e = this.entries.get(peer.serial * 0x10000 + messageId);
    if (e === undefined) return undefined;
    if (e.peer === peer && e.matches(tokenLow, tokenHigh)) return e;
    this.remove(e);
    return undefined;
  }

  add(peer: Peer, messageId: number, tokenLow: number, tokenHigh: number, confirmable: boolean, now: number): DedupEntry {
    const e = new DedupEntry(peer, messageId, tokenLow, tokenHigh, confirmable, now);
    const old = this.entries.get(e.key);
    if (old !== undefined) this.remove(old);
    // RFC 7252 §4.5 asks to remember every ID for EXCHANGE_LIFETIME; memory is bounded instead: a peer
    // that sends faster than perPeer per lifetime (it wraps its IDs) loses its oldest entries first.
    if (peer.dedupCount >= this.options.perPeer && peer.dedupOldest !== undefined) this.remove(peer.dedupOldest);
    if (this.entries.size >= this.options.total) this.evictOldest();
    const list = confirmable ? this.con : this.non;
    const wasEmpty = list.head === undefined;
    list.push(e);
    e.peerPrev = peer.dedupNewest;
    if (peer.dedupNewest === undefined) peer.dedupOldest = e;
    else peer.dedupNewest.peerNext = e;
    peer.dedupNewest = e;
    peer.dedupCount++;
    this.entries.set(e.key, e);
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
      for (let e = list.head; e !== undefined; e = e.next) {
        e.unlink();
        e.peer.dedupCount = 0;
        e.peer.dedupOldest = undefined;
        e.peer.dedupNewest = undefined;
      }
      list.head = undefined;
      list.tail = undefined;
    }
    this.entries.clear();
    this.timers.cancel(this);
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
    this.entries.delete(e.key);
    e.unlink();
    (e.confirmable ? this.con : this.non).unlink(e);
    const peer = e.peer;
    if (e.peerPrev === undefined) peer.dedupOldest = e.peerNext;
    else e.peerPrev.peerNext = e.peerNext;
    if (e.peerNext === undefined) peer.dedupNewest = e.peerPrev;
    else e.peerNext.peerPrev = e.peerPrev;
    e.peerPrev = undefined;
    e.peerNext = undefined;
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
