// ServerObserver: one observer of a resource we serve, its notifications and its end (RFC 7641 §4).
import { decode, encode, MessageType, type Message } from '../../coap/index.js';
import type { PeerAddress } from '../../transport/index.js';
import type { Core } from '../core.js';
import type { ObserverEndReason, ObserverListener, OutgoingResponse, ServerObserver } from '../endpoint-types.js';
import { Transmission, type TransmissionOwner } from '../messaging/transmission.js';
import type { ObserverSlot, Peer, ResetTarget } from '../peer.js';
import { withObserve, withoutObserve } from './observe-option.js';

const EMPTY = Buffer.alloc(0);

/** The registration request's exchange, which carries the first response. */
export interface FirstResponse {
  readonly open: boolean;
  respond(response: OutgoingResponse): void;
}

/** Owner of a final message: nobody is left to care about its outcome. */
const detached: TransmissionOwner = {
  transmissionAcked: () => undefined,
  transmissionReset: () => undefined,
  transmissionFailed: () => undefined,
};

export type ObserverEnd = ((reason: ObserverEndReason) => void) | ObserverListener;

const ACTIVE = 1;
/** The next notification goes as CON (the observer moved to a socket that has not confirmed yet). */
const CONFIRM_NEXT = 2;
/** NON notifications since the last CON, counted in the bits above these two. */
const NON_UNIT = 4;

/**
 * A subscriber may live for days and a gateway holds tens of thousands: it keeps no Message, no
 * Buffer view of the received datagram (which would pin it), no closure and no boxed number. The
 * token is its latin1 key; state bits and the NON count share one small integer.
 */
export class ServerObserverImpl implements ServerObserver, ObserverSlot, TransmissionOwner, ResetTarget {
  /** The token, one char per byte: the peer's observer key (RFC 7641 §4.1) and the notifications' token. */
  readonly key: string;
  private inflight: Transmission | undefined;
  private nonMessageId = -1;
  private flags = ACTIVE;
  /** Whole milliseconds (compared against a 24 h interval). */
  private lastConAt: number;
  private onEnd: ObserverEnd | undefined;
  /** The registration's exchange until it has answered (it carries the first response). */
  private first: FirstResponse | undefined;

  constructor(
    private readonly core: Core,
    private peer: Peer,
    request: Message,
    first: FirstResponse,
    onEnd: ObserverEnd | undefined,
  ) {
    this.key = request.token.toString('latin1');
    this.first = first;
    this.onEnd = onEnd;
    // The registration itself shows the client's interest (RFC 7641 §4.5 counts from here).
    this.lastConAt = Math.floor(core.clock.now());
    core.counters.observers++;
  }

  get from(): PeerAddress {
    return this.peer.address;
  }

  get active(): boolean {
    return (this.flags & ACTIVE) !== 0;
  }

  get token(): Buffer {
    return Buffer.from(this.key, 'latin1');
  }

  /** Not kept here: see RequestKeepingObserver (observe() with keepRequest, the default). */
  get request(): Message {
    throw new Error('the registration request was not kept (observe with keepRequest: false)');
  }

  /** The registration's exchange has answered (or was dropped): later responses are notifications. */
  firstDone(): void {
    this.first = undefined;
  }

  /** The registration's exchange while it still owes its response. */
  private pendingFirst(): FirstResponse | undefined {
    const first = this.first;
    if (first !== undefined && !first.open) this.first = undefined;
    return this.first;
  }

  notify(response: OutgoingResponse, options?: { readonly confirmable?: boolean }): void {
    if (!this.active || this.core.closed) return;
    const first = this.pendingFirst();
    if (first !== undefined) {
      first.respond(response);
      return;
    }
    // RFC 7641 §4.2: a non-2.xx notification ends the observation and carries no Observe.
    if (response.code >>> 5 !== 2) {
      this.end(response);
      return;
    }
    const core = this.core;
    const now = core.clock.now();
    const token = this.token;
    // RFC 7641 §4.5: a CON at least every N notifications and every 24 h; at most one CON in flight.
    const flags = this.flags;
    const confirmable =
      options?.confirmable === true ||
      (flags & CONFIRM_NEXT) !== 0 ||
      this.inflight !== undefined ||
      Math.floor(flags / NON_UNIT) + 1 >= core.limits.observeConEvery ||
      now - this.lastConAt >= core.limits.observeConIntervalMs;
    const messageId = core.nextMessageId(this.peer);
    const datagram = encode({
      type: confirmable ? MessageType.CON : MessageType.NON,
      code: response.code,
      messageId,
      token,
      options: withObserve(response.options ?? [], core.nextObserveValue()),
      payload: response.payload ?? EMPTY,
    });
    if (this.inflight !== undefined) {
      // RFC 7641 §4.5.2: the newer state takes the place of the one in transit and inherits its
      // retransmission counter and timeout.
      this.inflight.replace(messageId, datagram);
    } else if (confirmable) {
      this.flags = ACTIVE;
      const t = new Transmission(core, this.peer, messageId, datagram, this);
      this.inflight = t;
      t.start();
    } else {
      this.flags += NON_UNIT;
      this.forgetNon();
      this.nonMessageId = messageId;
      this.peer.nonSent.set(messageId, this);
      core.sendDatagram(this.peer, datagram);
    }
  }

  end(final?: OutgoingResponse): void {
    if (!this.active) return;
    this.finish('ended');
    if (final === undefined || this.core.closed) return;
    const first = this.pendingFirst();
    if (first !== undefined) {
      first.respond(final);
      return;
    }
    const messageId = this.core.nextMessageId(this.peer);
    const datagram = encode({
      type: MessageType.CON,
      code: final.code,
      messageId,
      token: this.token,
      options: withoutObserve(final.options ?? []),
      payload: final.payload ?? EMPTY,
    });
    new Transmission(this.core, this.peer, messageId, datagram, detached).start();
  }

  moveTo(to: PeerAddress): boolean {
    if (!this.active || this.core.closed || this.pendingFirst() !== undefined) return false;
    const old = this.peer;
    const target = this.core.peerFor(to);
    if (target === old) return true;
    const existing = target.observers.get(this.key);
    if (existing === undefined && target.observers.size >= this.core.limits.observersPerPeer) {
      this.core.release(target);
      return false;
    }
    // The old socket hears nothing more: a CON in flight there stops, a NON there is forgotten.
    if (this.inflight !== undefined) {
      this.inflight.stop();
      this.inflight = undefined;
    }
    this.forgetNon();
    if (old.observers.get(this.key) === this) old.observers.delete(this.key);
    // RFC 7641 §4.1: one entry per client endpoint and token.
    existing?.replace();
    this.peer = target;
    target.observers.set(this.key, this);
    // RFC 7641 §4.5: the new socket has not shown interest yet; a CON asks it (RST or silence ends it).
    this.flags |= CONFIRM_NEXT;
    this.core.release(old);
    return true;
  }

  /** The separate first response (sent by the exchange) is our CON in flight. */
  adopt(t: Transmission): void {
    this.inflight = t;
  }

  /** The piggybacked first response went out in the ACK of the client's CON. */
  confirmedNow(): void {
    this.lastConAt = Math.floor(this.core.clock.now());
  }

  transmissionAcked(): void {
    this.inflight = undefined;
    this.flags &= ACTIVE | CONFIRM_NEXT;
    this.lastConAt = Math.floor(this.core.clock.now());
  }

  transmissionReset(): void {
    this.inflight = undefined;
    this.finish('reset');
  }

  transmissionFailed(): void {
    this.inflight = undefined;
    this.finish('timeout');
  }

  resetReceived(): void {
    this.finish('reset');
  }

  deregister(): void {
    this.finish('deregistered');
  }

  replace(): void {
    this.finish('replaced');
  }

  close(): void {
    this.finish('closed');
  }

  /** Removes the entry and tells the owner once. */
  finish(reason: ObserverEndReason): void {
    if (!this.active) return;
    this.flags = 0;
    if (this.inflight !== undefined) {
      this.inflight.stop();
      this.inflight = undefined;
    }
    this.forgetNon();
    if (this.peer.observers.get(this.key) === this) this.peer.observers.delete(this.key);
    this.core.counters.observers--;
    this.core.release(this.peer);
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    if (onEnd !== undefined) {
      try {
        if (typeof onEnd === 'function') onEnd(reason);
        else onEnd.observerEnded(reason);
      } catch (error) {
        this.core.logger.error({ err: error }, 'observer end callback threw');
      }
    }
  }

  private forgetNon(): void {
    if (this.nonMessageId >= 0 && this.peer.nonSent.get(this.nonMessageId) === this) this.peer.nonSent.delete(this.nonMessageId);
    this.nonMessageId = -1;
  }
}

/** An observer that keeps its registration request (encoded as latin1 text) for `request`. */
export class RequestKeepingObserver extends ServerObserverImpl {
  private readonly requestText: string;

  constructor(core: Core, peer: Peer, request: Message, first: FirstResponse, onEnd: ObserverEnd | undefined) {
    super(core, peer, request, first, onEnd);
    this.requestText = encode(request).toString('latin1');
  }

  /** The registration request, decoded again from its stored bytes (which decoded once already). */
  override get request(): Message {
    const decoded = decode(Buffer.from(this.requestText, 'latin1'));
    if (!decoded.ok) throw new Error(`stored registration does not decode: ${decoded.error.reason}`);
    return decoded.value;
  }
}
