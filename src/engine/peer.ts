// Peer: one remote UDP address and its messaging state (MIDs, dedup, transmissions, tokens, observers).
import type { Message } from '../coap/index.js';
import type { PeerAddress } from '../transport/index.js';
import type { RequestErrorKind } from './request-error.js';
import type { Timed } from './timer-queue.js';

/** A CON we sent that waits for its ACK or RST, keyed by message ID (RFC 7252 §4.2). */
export interface PendingCon {
  ackReceived(ack: Message): void;
  resetReceived(): void;
  /** Stops retransmitting without telling anyone (endpoint close). */
  stop(): void;
}

/** Something waiting for responses with one of our tokens (RFC 7252 §5.3.2). */
export interface TokenHolder {
  readonly token: Buffer;
  responseReceived(response: Message): void;
  fail(kind: RequestErrorKind, message: string): void;
}

/** A NON we sent that an RST may refer to by message ID (RFC 7252 §4.3). */
export interface ResetTarget {
  resetReceived(): void;
}

/** A server-side observer entry, keyed by peer and token (RFC 7641 §4.1). */
export interface ObserverSlot {
  readonly token: Buffer;
  /** Removes the entry because the client deregistered (RFC 7641 §3.6). */
  deregister(): void;
  /** Removes the entry because a new registration with the same token takes its place (RFC 7641 §4.1). */
  replace(): void;
  /** Removes the entry because the endpoint closes. */
  close(): void;
}

/** A client request waiting for an NSTART slot (RFC 7252 §4.7). */
export interface QueuedStart {
  startNow(): void;
}

const TWO_24 = 0x1000000;
const CONFIRMABLE = 1 << 16;
const LINKED = 1 << 17;

/**
 * One received message ID remembered for deduplication (RFC 7252 §4.5). Thousands live per busy peer
 * for EXCHANGE_LIFETIME and one is made per request, so entries are pooled by the deduplicator (no
 * object per request outlives a young-generation GC) and kept small: every number a small integer,
 * the token identity split in 24-bit parts, flags packed beside its high bytes, the creation time in
 * whole milliseconds, the reply a span of the deduplicator's reply arena (no Buffer, no string).
 */
export class DedupEntry {
  peer: Peer;
  messageId = 0;
  createdAt = 0;
  /** Bumped on every release: a holder of a recycled entry (a late reply) sees the change. */
  generation = 0;
  prev: DedupEntry | undefined = undefined;
  next: DedupEntry | undefined = undefined;
  /** The peer's own oldest-first list, so its cap evicts in O(1). */
  peerPrev: DedupEntry | undefined = undefined;
  peerNext: DedupEntry | undefined = undefined;
  /** The reply's span in the reply arena; replyLength -1 = nothing to replay yet. */
  replyLap = 0;
  replyOffset = 0;
  replyLength = -1;
  /** tokenLow in two parts below 2^24 and 2^28. */
  private tokenA = 0;
  private tokenB = 0;
  /** tokenHigh (< 2^16) | CONFIRMABLE | LINKED. */
  private bits = 0;

  constructor(peer: Peer) {
    this.peer = peer;
  }

  /** Makes this (new or recycled) entry the record of one received message. */
  init(peer: Peer, messageId: number, tokenLow: number, tokenHigh: number, confirmable: boolean, createdAt: number): this {
    this.peer = peer;
    this.messageId = messageId;
    // Rounding up never expires an entry early.
    this.createdAt = Math.ceil(createdAt);
    // `| 0` (both parts are below 2^31): a `%` of a double would be stored as a boxed double.
    this.tokenA = tokenLow % TWO_24 | 0;
    this.tokenB = Math.floor(tokenLow / TWO_24) | 0;
    this.bits = tokenHigh | (confirmable ? CONFIRMABLE : 0) | LINKED;
    this.replyLength = -1;
    return this;
  }

  get tokenLow(): number {
    return this.tokenB * TWO_24 + this.tokenA;
  }

  get tokenHigh(): number {
    return this.bits & 0xffff;
  }

  get confirmable(): boolean {
    return (this.bits & CONFIRMABLE) !== 0;
  }

  /** Still in the deduplicator (not expired, evicted or replaced). */
  get linked(): boolean {
    return (this.bits & LINKED) !== 0;
  }

  /** The same token (see tokenLow/tokenHigh)? */
  matches(tokenLow: number, tokenHigh: number): boolean {
    return this.tokenA === (tokenLow % TWO_24 | 0) && this.tokenB === (Math.floor(tokenLow / TWO_24) | 0) && (this.bits & 0xffff) === tokenHigh;
  }

  /**
   * Out of the deduplicator: no longer linked, reply forgotten, generation bumped (ready for reuse);
   * `placeholder` takes the peer's place so a pooled entry pins no real peer.
   */
  release(placeholder: Peer): void {
    this.peer = placeholder;
    this.bits &= ~LINKED;
    this.generation = (this.generation + 1) & 0x3fffffff;
    this.replyLength = -1;
    this.prev = undefined;
    this.next = undefined;
    this.peerPrev = undefined;
    this.peerNext = undefined;
  }
}

const NO_ENTRIES: ReadonlyMap<unknown, unknown> = new Map<unknown, unknown>();

/**
 * A peer's table (message ID or token -> waiter), its Map allocated on first write: most peers (a
 * login, one request, a subscriber) use few of their tables, and an empty Map costs ~180 bytes.
 */
export class PeerTable<K, V> {
  private map: Map<K, V> | undefined = undefined;

  get size(): number {
    return this.map === undefined ? 0 : this.map.size;
  }

  get(key: K): V | undefined {
    return this.map === undefined ? undefined : this.map.get(key);
  }

  has(key: K): boolean {
    return this.map !== undefined && this.map.has(key);
  }

  set(key: K, value: V): this {
    (this.map ??= new Map<K, V>()).set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.map !== undefined && this.map.delete(key);
  }

  values(): IterableIterator<V> {
    return (this.map ?? (NO_ENTRIES as ReadonlyMap<K, V>)).values();
  }

  keys(): IterableIterator<K> {
    return (this.map ?? (NO_ENTRIES as ReadonlyMap<K, V>)).keys();
  }
}

/** midUsedAt before any message ID was used (the getter reads it as -Infinity). */
const NEVER = -0x40000000;

/** Serials hash a peer's dedup entries (see messaging/dedup-index.ts); any value below 2^36 will do. */
const SERIAL_LIMIT = 2 ** 36;
let nextSerial = 0;

export class Peer implements Timed {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;
  /** midUsedAt in whole ms (ceiled); NEVER before the first. A small integer, not a boxed double. */
  private midUsedAtMs = NEVER;
  nextMid: number;
  /** Client requests of ours that are outstanding (RFC 7252 §4.7 NSTART). */
  outstanding = 0;
  /** Server exchanges not yet answered. */
  openServerExchanges = 0;
  removed = false;
  readonly address: PeerAddress;
  /** Distinguishes this peer's dedup entries in the deduplicator's one table. */
  readonly serial: number;
  /** Received messages remembered for this peer (RFC 7252 §4.5), oldest first. */
  dedupCount = 0;
  dedupOldest: DedupEntry | undefined = undefined;
  dedupNewest: DedupEntry | undefined = undefined;
  // Tables made on first use (see the getters): a client that only logged in needs none of these.
  private transmissionTable: PeerTable<number, PendingCon> | undefined = undefined;
  private tokenTable: PeerTable<number, TokenHolder> | undefined = undefined;
  private nonSentTable: PeerTable<number, ResetTarget> | undefined = undefined;
  private observerTable: PeerTable<string, ObserverSlot> | undefined = undefined;
  private startQueue: QueuedStart[] | undefined = undefined;

  constructor(
    readonly key: number | string,
    address: PeerAddress,
    firstMid: number,
    private readonly onRetentionEnd: (peer: Peer) => void,
  ) {
    this.address = { address: address.address, port: address.port };
    this.nextMid = firstMid & 0xffff;
    this.serial = nextSerial;
    // Not `%`: with a non-Smi divisor V8 would hand back a boxed double for every serial.
    nextSerial = nextSerial + 1 < SERIAL_LIMIT ? nextSerial + 1 : 0;
  }

  /** Last time we allocated one of our message IDs toward this peer (RFC 7252 §4.4 reuse window). */
  get midUsedAt(): number {
    return this.midUsedAtMs === NEVER ? -Infinity : this.midUsedAtMs;
  }

  set midUsedAt(atMs: number) {
    // Rounded up: the reuse window is never cut short.
    this.midUsedAtMs = atMs === -Infinity ? NEVER : Math.ceil(atMs);
  }

  /** Our CONs awaiting ACK or RST, by message ID (RFC 7252 §4.2). */
  get transmissions(): PeerTable<number, PendingCon> {
    return (this.transmissionTable ??= new PeerTable());
  }

  /** Our requests awaiting responses, by tokenLow (RFC 7252 §5.3.2). */
  get tokens(): PeerTable<number, TokenHolder> {
    return (this.tokenTable ??= new PeerTable());
  }

  /** Our NONs an RST may refer to, by message ID (RFC 7252 §4.3). */
  get nonSent(): PeerTable<number, ResetTarget> {
    return (this.nonSentTable ??= new PeerTable());
  }

  /** Server-side observers by token (RFC 7641 §4.1). */
  get observers(): PeerTable<string, ObserverSlot> {
    return (this.observerTable ??= new PeerTable());
  }

  /** Client requests waiting for an NSTART slot (RFC 7252 §4.7). */
  get queue(): QueuedStart[] {
    return (this.startQueue ??= []);
  }

  /** True when nothing refers to this peer any more. */
  isIdle(): boolean {
    return (
      this.dedupCount === 0 &&
      this.outstanding === 0 &&
      this.openServerExchanges === 0 &&
      (this.transmissionTable === undefined || this.transmissionTable.size === 0) &&
      (this.tokenTable === undefined || this.tokenTable.size === 0) &&
      (this.nonSentTable === undefined || this.nonSentTable.size === 0) &&
      (this.observerTable === undefined || this.observerTable.size === 0) &&
      (this.startQueue === undefined || this.startQueue.length === 0)
    );
  }

  onTimer(): void {
    this.onRetentionEnd(this);
  }
}

/**
 * Numeric key for an IPv4 address and port (ip * 65536 + port < 2^48), so the hot path needs no string
 * concatenation; other addresses get a string key.
 */
export function peerKey(address: PeerAddress): number | string {
  const a = address.address;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return `${a}|${address.port}`;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return `${a}|${address.port}`;
    }
  }
  if (dots !== 3 || digits === 0) return `${a}|${address.port}`;
  return (value * 256 + part) * 65536 + address.port;
}

/** The last (up to) 6 token bytes as a number, plus the length: exact for tokens up to 6 bytes. */
export function tokenLow(token: Buffer): number {
  const n = token.length;
  let v = 0;
  for (let i = n > 6 ? n - 6 : 0; i < n; i++) v = v * 256 + (token[i] as number);
  return v + n * 2 ** 48;
}

/** The first (0-2) bytes of a 7- or 8-byte token; with tokenLow an exact token identity. */
export function tokenHigh(token: Buffer): number {
  const n = token.length;
  let v = 0;
  for (let i = 0; i < n - 6; i++) v = v * 256 + (token[i] as number);
  return v;
}
