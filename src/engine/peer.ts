// Peer: one remote UDP address and its messaging state (MIDs, dedup, transmissions, tokens, observers).
import type { Message } from '../coap/index.js';
import type { PeerAddress } from '../transport/index.js';
import type { RequestErrorKind } from './request-error.js';
import { NumberTable } from './number-table.js';
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

const NO_ENTRIES: ReadonlyMap<unknown, unknown> = new Map<unknown, unknown>();

/**
 * A peer's table keyed by string (observer tokens), its Map allocated on first write: most peers (a
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
  /** Slots of the deduplicator's store (messaging/dedup-store.ts); -1 = none. */
  dedupOldest = -1;
  dedupNewest = -1;
  // Tables made on first use (see the getters): a client that only logged in needs none of these.
  private transmissionTable: NumberTable<PendingCon> | undefined = undefined;
  private tokenTable: NumberTable<TokenHolder> | undefined = undefined;
  private nonSentTable: NumberTable<ResetTarget> | undefined = undefined;
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
  get transmissions(): NumberTable<PendingCon> {
    return (this.transmissionTable ??= new NumberTable());
  }

  /** Our requests awaiting responses, by tokenLow (RFC 7252 §5.3.2). */
  get tokens(): NumberTable<TokenHolder> {
    return (this.tokenTable ??= new NumberTable());
  }

  /** Our NONs an RST may refer to, by message ID (RFC 7252 §4.3). */
  get nonSent(): NumberTable<ResetTarget> {
    return (this.nonSentTable ??= new NumberTable());
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
