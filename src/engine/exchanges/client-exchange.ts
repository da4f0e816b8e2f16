// ClientExchange: one request of ours, from NSTART queue to response, RST, timeout or cancel (RFC 7252 §4, §5.3).
import { encode, MessageType, type CoapOption, type Message } from '../../coap/index.js';
import type { Core } from '../core.js';
import { Transmission, type TransmissionOwner } from '../messaging/transmission.js';
import { tokenLow, type Peer, type QueuedStart, type ResetTarget, type TokenHolder } from '../peer.js';
import { RequestError, type RequestErrorKind } from '../request-error.js';
import type { Timed } from '../timer-queue.js';

/** Who hears about the exchange: methods on a long-lived object, no per-message closures. */
export interface ExchangeListener {
  /** Returns true to keep receiving responses on this token (an Observe registration); else the exchange ends. */
  onResponse(response: Message): boolean | void;
  onError(error: RequestError): void;
}

const QUEUED = 0;
const ACTIVE = 1;
const DONE = 2;

export class ClientExchange implements Timed, TokenHolder, TransmissionOwner, ResetTarget, QueuedStart {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;
  state = QUEUED;
  messageId = -1;
  /** Still waiting for its first response (counted in stats().clientExchanges). */
  private pending = true;
  private holdsSlot = false;
  private transmission: Transmission | undefined;
  private nonMessageId = -1;
  private signal: AbortSignal | undefined;
  private abortHandler: (() => void) | undefined;
  readonly tokenKey: number;

  constructor(
    private readonly core: Core,
    readonly peer: Peer,
    readonly token: Buffer,
    readonly confirmable: boolean,
    public code: number,
    public options: readonly CoapOption[],
    readonly payload: Buffer,
    private readonly listener: ExchangeListener,
  ) {
    this.tokenKey = tokenLow(token);
    peer.tokens.set(this.tokenKey, this);
    core.counters.clientExchanges++;
  }

  /** Starts now or waits for an NSTART slot (RFC 7252 §4.7); arms the overall deadline. */
  begin(timeoutMs: number, signal: AbortSignal | undefined): void {
    if (signal !== undefined) {
      if (signal.aborted) {
        this.fail('cancelled', 'aborted before sending');
        return;
      }
      this.signal = signal;
      this.abortHandler = () => this.fail('cancelled', 'aborted');
      signal.addEventListener('abort', this.abortHandler, { once: true });
    }
    this.core.timers.scheduleIn(this, timeoutMs);
    if (this.peer.outstanding < this.core.timing.nstart) {
      this.startNow();
    } else if (this.peer.queue.length < this.core.limits.queuePerPeer) {
      this.peer.queue.push(this);
      this.core.counters.queued++;
    } else {
      this.fail('invalid', `more than ${this.core.limits.queuePerPeer} requests queued for ${this.peer.address.address}`);
    }
  }

  startNow(): void {
    if (this.state !== QUEUED) return;
    this.state = ACTIVE;
    this.holdsSlot = true;
    this.peer.outstanding++;
    this.transmit();
  }

  /** Sends the request again under a new message ID, same token (RFC 7641 §3.3.1 re-registration). */
  resend(code: number, options: readonly CoapOption[]): void {
    if (this.state !== ACTIVE) return;
    this.code = code;
    this.options = options;
    this.stopSending();
    this.transmit();
  }

  responseReceived(response: Message): void {
    if (this.state !== ACTIVE) return;
    // A separate response also ends the retransmission of the request (its ACK may have been lost).
    this.stopSending();
    this.releaseSlot();
    this.markAnswered();
    if (this.listener.onResponse(response) === true) this.core.timers.cancel(this);
    else this.finish();
  }

  transmissionAcked(ack: Message): void {
    // RFC 7252 §5.2.1: a piggybacked response must carry our token; an empty ACK means "separate".
    if (ack.code !== 0 && ack.token.equals(this.token)) this.responseReceived(ack);
  }

  transmissionReset(): void {
    this.fail('reset', 'the peer answered with RST');
  }

  transmissionFailed(): void {
    this.fail('timeout', `no ACK after ${this.core.timing.maxRetransmit} retransmissions`);
  }

  resetReceived(): void {
    this.fail('reset', 'the peer answered with RST');
  }

  onTimer(): void {
    this.fail('timeout', 'no response within the deadline');
  }

  fail(kind: RequestErrorKind, message: string): void {
    if (this.state === DONE) return;
    this.finish();
    this.listener.onError(new RequestError(kind, message));
  }

  /** Ends without telling the listener (it asked for the end). */
  finish(): void {
    if (this.state === DONE) return;
    if (this.state === QUEUED) {
      const i = this.peer.queue.indexOf(this);
      if (i >= 0) {
        this.peer.queue.splice(i, 1);
        this.core.counters.queued--;
      }
    }
    this.state = DONE;
    this.core.timers.cancel(this);
    this.stopSending();
    this.releaseSlot();
    this.markAnswered();
    if (this.peer.tokens.get(this.tokenKey) === this) this.peer.tokens.delete(this.tokenKey);
    if (this.signal !== undefined && this.abortHandler !== undefined) this.signal.removeEventListener('abort', this.abortHandler);
    this.signal = undefined;
    this.abortHandler = undefined;
    this.core.release(this.peer);
  }

  private transmit(): void {
    const messageId = this.core.nextMessageId(this.peer);
    this.messageId = messageId;
    const datagram = encode({
      type: this.confirmable ? MessageType.CON : MessageType.NON,
      code: this.code,
      messageId,
      token: this.token,
      options: this.options,
      payload: this.payload,
    });
    if (this.confirmable) {
      this.transmission = new Transmission(this.core, this.peer, messageId, datagram, this);
      this.transmission.start();
    } else {
      this.nonMessageId = messageId;
      this.peer.nonSent.set(messageId, this);
      this.core.sendDatagram(this.peer, datagram);
    }
  }

  private stopSending(): void {
    if (this.transmission !== undefined) {
      this.transmission.stop();
      this.transmission = undefined;
    }
    if (this.nonMessageId >= 0) {
      if (this.peer.nonSent.get(this.nonMessageId) === this) this.peer.nonSent.delete(this.nonMessageId);
      this.nonMessageId = -1;
    }
  }

  private releaseSlot(): void {
    if (!this.holdsSlot) return;
    this.holdsSlot = false;
    this.peer.outstanding--;
    const queue = this.peer.queue;
    while (this.peer.outstanding < this.core.timing.nstart && queue.length > 0) {
      const next = queue.shift() as QueuedStart;
      this.core.counters.queued--;
      next.startNow();
    }
  }

  private markAnswered(): void {
    if (!this.pending) return;
    this.pending = false;
    this.core.counters.clientExchanges--;
  }
}
