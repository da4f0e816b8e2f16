// Core: what the endpoint's parts share (clock, timers, sending, IDs, tokens), implemented by the endpoint.
import type { Clock, Random } from '../base/index.js';
import type { Logger } from '../telemetry/index.js';
import type { PeerAddress } from '../transport/index.js';
import type { EndpointLimits } from './endpoint-types.js';
import type { Deduplicator } from './messaging/deduplicator.js';
import type { Peer } from './peer.js';
import type { DerivedTiming } from './timing.js';
import type { TimerQueue } from './timer-queue.js';

/** Live counts the parts keep up to date for stats(). */
export interface CoreCounters {
  clientExchanges: number;
  serverExchanges: number;
  observers: number;
  observations: number;
  queued: number;
}

export interface Core {
  readonly local: PeerAddress;
  readonly clock: Clock;
  readonly random: Random;
  readonly timing: DerivedTiming;
  readonly limits: EndpointLimits;
  readonly timers: TimerQueue;
  readonly logger: Logger;
  readonly counters: CoreCounters;
  /** Received message IDs and the replies their duplicates get (RFC 7252 §4.5). */
  readonly dedup: Deduplicator;
  readonly closed: boolean;
  sendDatagram(peer: Peer, datagram: Buffer): void;
  /** The peer of an address, created when new (its first message ID drawn at random, RFC 7252 §4.4). */
  peerFor(address: PeerAddress): Peer;
  /** A message ID of ours for this peer, not in use by a pending CON (RFC 7252 §4.4). */
  nextMessageId(peer: Peer): number;
  /** The next value of the endpoint-wide 24-bit Observe sequence (RFC 7641 §4.4). */
  nextObserveValue(): number;
  /** Drops the peer once nothing refers to it (and its message IDs may be reused). */
  release(peer: Peer): void;
}
