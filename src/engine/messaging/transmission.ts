// Transmission: one CON we send, retransmitted with exponential back-off until ACK, RST or give-up (RFC 7252 §4.2).
import type { Message } from '../../coap/index.js';
import type { Core } from '../core.js';
import { engineEvents } from '../events.js';
import type { Peer, PendingCon } from '../peer.js';
import type { Timed } from '../timer-queue.js';

/** The owner is told the outcome once; methods, not closures, so nothing is allocated per message. */
export interface TransmissionOwner {
  transmissionAcked(ack: Message): void;
  transmissionReset(): void;
  /** No ACK after MAX_RETRANSMIT retransmissions (RFC 7252 §4.2). */
  transmissionFailed(): void;
}

export class Transmission implements Timed, PendingCon {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;
  /** Retransmissions done so far. */
  retransmissions = 0;
  timeoutMs = 0;
  active = false;

  constructor(
    private readonly core: Core,
    readonly peer: Peer,
    public messageId: number,
    private datagram: Buffer,
    private readonly owner: TransmissionOwner,
  ) {}

  /** Sends now and arms the first timeout, drawn from [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR]. */
  start(): void {
    const t = this.core.timing;
    this.active = true;
    this.peer.transmissions.set(this.messageId, this);
    this.timeoutMs = t.ackTimeoutMs * (1 + this.core.random.float() * (t.ackRandomFactor - 1));
    this.core.sendDatagram(this.peer, this.datagram);
    this.core.timers.scheduleIn(this, this.timeoutMs);
  }

  /**
   * Puts a newer message in place of this one under a new message ID, keeping the retransmission
   * counter and timeout (RFC 7641 §4.5.2: a newer notification replaces one still in transit).
   */
  replace(messageId: number, datagram: Buffer): void {
    if (!this.active) return;
    if (this.peer.transmissions.get(this.messageId) === this) this.peer.transmissions.delete(this.messageId);
    this.messageId = messageId;
    this.datagram = datagram;
    this.peer.transmissions.set(messageId, this);
  }

  onTimer(): void {
    if (!this.active) return;
    // RFC 7252 §4.2: retransmit with a doubled timeout until MAX_RETRANSMIT, then give up.
    if (this.retransmissions >= this.core.timing.maxRetransmit) {
      if (engineEvents.giveUp.hasSubscribers) {
        engineEvents.giveUp.publish({ local: this.core.local, peer: this.peer.address, messageId: this.messageId });
      }
      this.stop();
      this.owner.transmissionFailed();
      return;
    }
    this.retransmissions++;
    this.timeoutMs *= 2;
    if (engineEvents.retransmit.hasSubscribers) {
      engineEvents.retransmit.publish({ local: this.core.local, peer: this.peer.address, messageId: this.messageId, attempt: this.retransmissions });
    }
    this.core.sendDatagram(this.peer, this.datagram);
    this.core.timers.scheduleIn(this, this.timeoutMs);
  }

  ackReceived(ack: Message): void {
    if (!this.active) return;
    this.stop();
    this.owner.transmissionAcked(ack);
  }

  resetReceived(): void {
    if (!this.active) return;
    this.stop();
    this.owner.transmissionReset();
  }

  /** Ends silently (the owner already knows, e.g. a separate response arrived or it was cancelled). */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    this.core.timers.cancel(this);
    if (this.peer.transmissions.get(this.messageId) === this) this.peer.transmissions.delete(this.messageId);
    this.core.release(this.peer);
  }
}
