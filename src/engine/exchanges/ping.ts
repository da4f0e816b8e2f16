// Ping: an empty CON that a live peer answers with RST (RFC 7252 §4.3), with the caller's deadline and abort.
import { EMPTY_BUFFER, encode, MessageType } from '../../coap/index.js';
import type { Core } from '../core.js';
import { Transmission, type TransmissionOwner } from '../messaging/transmission.js';
import type { Peer } from '../peer.js';
import { RequestError, type RequestErrorKind } from '../request-error.js';
import type { Timed } from '../timer-queue.js';

export class Ping implements TransmissionOwner, Timed {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;
  private readonly startedAt: number;
  private transmission: Transmission | undefined;
  private done = false;
  private signal: AbortSignal | undefined;
  private readonly onAbort = (): void => this.fail('cancelled', 'aborted');

  constructor(
    private readonly core: Core,
    private readonly peer: Peer,
    private readonly timeoutMs: number | undefined,
    private readonly resolve: (rttMs: number) => void,
    private readonly reject: (error: RequestError) => void,
    private readonly onDone: (ping: Ping) => void,
  ) {
    this.startedAt = core.clock.now();
    const messageId = core.nextMessageId(peer);
    const datagram = encode({ type: MessageType.CON, code: 0, messageId, token: EMPTY_BUFFER, options: [], payload: EMPTY_BUFFER });
    this.transmission = new Transmission(core, peer, messageId, datagram, this);
  }

  /** Sends the ping; the deadline is the caller's timeoutMs, else the retransmission give-up (MAX_TRANSMIT_WAIT). */
  begin(signal: AbortSignal | undefined): void {
    if (signal !== undefined) {
      if (signal.aborted) {
        this.fail('cancelled', 'aborted before sending');
        return;
      }
      this.signal = signal;
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
    if (this.timeoutMs !== undefined) this.core.timers.scheduleIn(this, Math.max(0, this.timeoutMs));
    this.transmission?.start();
  }

  // An ACK is an odd answer to a ping, but it proves the peer is alive just as well.
  transmissionAcked(): void {
    this.settle();
  }

  transmissionReset(): void {
    this.settle();
  }

  transmissionFailed(): void {
    this.fail('timeout', 'no answer to the ping');
  }

  onTimer(): void {
    this.fail('timeout', `no answer to the ping within ${this.timeoutMs ?? 0} ms`);
  }

  fail(kind: RequestErrorKind, message: string): void {
    if (!this.end()) return;
    this.reject(new RequestError(kind, message));
  }

  private settle(): void {
    if (!this.end()) return;
    this.resolve(this.core.clock.now() - this.startedAt);
  }

  /** Stops retransmitting, drops the deadline and the abort listener; false when already done. */
  private end(): boolean {
    if (this.done) return false;
    this.done = true;
    this.core.timers.cancel(this);
    // Stopping releases the peer (its message ID stays reserved for EXCHANGE_LIFETIME, RFC 7252 §4.4).
    const t = this.transmission;
    this.transmission = undefined;
    if (t !== undefined && t.active) t.stop();
    else this.core.release(this.peer);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.signal = undefined;
    this.onDone(this);
    return true;
  }
}
