// ServerExchange: one received request until it is answered, piggybacked or separate (RFC 7252 §5.2).
import { Code, encode, MessageType, type Message } from '../../coap/index.js';
import type { PeerAddress } from '../../transport/index.js';
import type { Core } from '../core.js';
import type { ObserverOptions, OutgoingResponse, ServerExchange, ServerObserver } from '../endpoint-types.js';
import { Transmission, type TransmissionOwner } from '../messaging/transmission.js';
import { observeValue, withObserve, withoutObserve } from '../observe/observe-option.js';
import { RequestKeepingObserver, ServerObserverImpl, type ObserverEnd } from '../observe/server-observer.js';
import type { Peer } from '../peer.js';
import type { Timed } from '../timer-queue.js';

const EMPTY = Buffer.alloc(0);
const WAITING = 0;
const ACKED = 1;
const DONE = 2;

export class ServerExchangeImpl implements ServerExchange, Timed, TransmissionOwner {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;
  readonly observeRequested: boolean;
  private state = WAITING;
  private observer: ServerObserverImpl | undefined;
  private readonly entryGeneration: number;

  constructor(
    private readonly core: Core,
    private readonly peer: Peer,
    readonly request: Message,
    readonly from: PeerAddress,
    /** The request's dedup slot, or -1 (not remembered, e.g. a local request). */
    private readonly entry: number,
  ) {
    // The entry may be recycled for another message before this exchange replies: see setReply().
    this.entryGeneration = entry < 0 ? 0 : core.dedup.generationOf(entry);
    const code = request.code;
    this.observeRequested = (code === Code.GET || code === Code.FETCH) && observeValue(request) === 0;
    core.counters.serverExchanges++;
    peer.openServerExchanges++;
  }

  get open(): boolean {
    return this.state !== DONE && !this.core.closed;
  }

  /** After the handler ran: a CON still unanswered gets its empty ACK after the piggyback window. */
  handlerReturned(): void {
    if (this.state !== WAITING || this.request.type !== MessageType.CON) return;
    if (this.core.timing.piggybackWindowMs <= 0) this.accept();
    else this.core.timers.scheduleIn(this, this.core.timing.piggybackWindowMs);
  }

  onTimer(): void {
    this.accept();
  }

  accept(): void {
    if (this.state !== WAITING || this.request.type !== MessageType.CON || this.core.closed) return;
    this.state = ACKED;
    this.core.timers.cancel(this);
    // RFC 7252 §5.2.2: the empty ACK; duplicates of the request get it again (§4.5).
    const ack = encode({ type: MessageType.ACK, code: 0, messageId: this.request.messageId, token: EMPTY, options: [], payload: EMPTY });
    if (this.entry >= 0) this.core.dedup.setReply(this.entry, this.entryGeneration, ack);
    this.core.sendDatagram(this.peer, ack);
  }

  respond(response: OutgoingResponse): void {
    if (!this.open) return;
    const wasWaiting = this.state === WAITING;
    this.state = DONE;
    this.core.timers.cancel(this);
    try {
      this.send(response, wasWaiting);
    } finally {
      this.release();
    }
  }

  private send(response: OutgoingResponse, wasWaiting: boolean): void {
    const core = this.core;
    const request = this.request;
    let options = response.options ?? [];
    let observer = this.observer !== undefined && this.observer.active ? this.observer : undefined;
    if (observer !== undefined) {
      if (response.code >>> 5 === 2) {
        options = withObserve(options, core.nextObserveValue());
      } else {
        // RFC 7641 §4.2: a non-2.xx response ends the observation and carries no Observe.
        observer.finish('ended');
        observer = undefined;
        options = withoutObserve(options);
      }
    }
    const payload = response.payload ?? EMPTY;
    if (request.type === MessageType.CON && wasWaiting) {
      // RFC 7252 §5.2.1: piggybacked in the ACK, same message ID and token; replayed for duplicates.
      const datagram = encode({ type: MessageType.ACK, code: response.code, messageId: request.messageId, token: request.token, options, payload });
      if (this.entry >= 0) this.core.dedup.setReply(this.entry, this.entryGeneration, datagram);
      core.sendDatagram(this.peer, datagram);
      observer?.confirmedNow();
      return;
    }
    const messageId = core.nextMessageId(this.peer);
    if (request.type === MessageType.CON) {
      // RFC 7252 §5.2.2: separate response to a CON request, itself CON and retransmitted.
      const datagram = encode({ type: MessageType.CON, code: response.code, messageId, token: request.token, options, payload });
      const t = new Transmission(core, this.peer, messageId, datagram, observer ?? this);
      observer?.adopt(t);
      t.start();
    } else {
      // RFC 7252 §5.2.3: a NON request gets a NON response.
      const datagram = encode({ type: MessageType.NON, code: response.code, messageId, token: request.token, options, payload });
      core.sendDatagram(this.peer, datagram);
    }
  }

  observe(onEnd?: ObserverEnd, options?: ObserverOptions): ServerObserver | undefined {
    if (!this.observeRequested || !this.open) return undefined;
    if (this.observer !== undefined) return this.observer;
    const key = this.request.token.toString('latin1');
    const existing = this.peer.observers.get(key);
    // RFC 7641 §4.1: the same endpoint and token replace the existing entry instead of adding one.
    if (existing !== undefined) existing.replace();
    else if (this.peer.observers.size >= this.core.limits.observersPerPeer) return undefined;
    const observer =
      options?.keepRequest === false
        ? new ServerObserverImpl(this.core, this.peer, this.request, this, onEnd)
        : new RequestKeepingObserver(this.core, this.peer, this.request, this, onEnd);
    this.peer.observers.set(key, observer);
    this.observer = observer;
    return observer;
  }

  drop(): void {
    if (!this.open) return;
    // RFC 7967 leaves the reliability layer alone: a CON request is still acknowledged (RFC 7252 §4.2).
    if (this.state === WAITING) this.accept();
    this.state = DONE;
    this.core.timers.cancel(this);
    this.release();
  }

  transmissionAcked(): void {}

  transmissionReset(): void {}

  transmissionFailed(): void {
    this.core.logger.debug({ peer: this.peer.address }, 'separate response never acknowledged');
  }

  /** Counts the exchange as answered; the peer may go once nothing else refers to it. */
  private release(): void {
    // The observer outlives this exchange; it must not keep it (and its request) alive.
    this.observer?.firstDone();
    this.core.counters.serverExchanges--;
    this.peer.openServerExchanges--;
    this.core.release(this.peer);
  }
}
