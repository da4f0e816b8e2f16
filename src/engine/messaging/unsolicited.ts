// Unsolicited: one CON/NON message sent outside any exchange, with our message IDs and its ACK/RST outcome.
import { encode, isResponseCode, MessageType, EMPTY_BUFFER } from '../../coap/index.js';
import type { PeerAddress } from '../../transport/index.js';
import { err, ok, type Result } from '../../base/index.js';
import type { Core } from '../core.js';
import type { OutgoingMessage, SendOptions } from '../endpoint-types.js';
import type { Peer, ResetTarget } from '../peer.js';
import { RequestError } from '../request-error.js';
import type { Timed } from '../timer-queue.js';
import { Transmission, type TransmissionOwner } from './transmission.js';

/** Tells the sender's callbacks the outcome; for a NON it also remembers the message ID for an RST. */
class Unsolicited implements TransmissionOwner, ResetTarget, Timed {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;

  constructor(
    private readonly core: Core,
    private readonly peer: Peer,
    private readonly messageId: number,
    private readonly options: SendOptions,
  ) {}

  /** RFC 7252 §4.3: an RST can name a NON by message ID until NON_LIFETIME has passed. */
  rememberNon(): void {
    this.peer.nonSent.set(this.messageId, this);
    this.core.timers.scheduleIn(this, this.core.timing.nonLifetimeMs);
  }

  onTimer(): void {
    this.forget();
  }

  resetReceived(): void {
    this.forget();
    this.tell(this.options.onReset);
  }

  transmissionAcked(): void {
    this.tell(this.options.onAck);
  }

  transmissionReset(): void {
    this.tell(this.options.onReset);
  }

  transmissionFailed(): void {
    this.tell(this.options.onTimeout);
  }

  /** A throwing callback must not disturb the endpoint. */
  private tell(callback: (() => void) | undefined): void {
    if (callback === undefined) return;
    try {
      callback();
    } catch (error) {
      this.core.logger.error({ err: error }, 'send callback threw');
    }
  }

  private forget(): void {
    this.core.timers.cancel(this);
    if (this.peer.nonSent.get(this.messageId) === this) this.peer.nonSent.delete(this.messageId);
    this.core.release(this.peer);
  }
}

/** Validates and sends; the peer is kept while the message ID is in use (RFC 7252 §4.4). */
export function sendUnsolicited(core: Core, to: PeerAddress, message: OutgoingMessage, options: SendOptions): Result<number, RequestError> {
  if (core.closed) return err(new RequestError('closed', 'endpoint closed'));
  if (!isResponseCode(message.code)) return err(new RequestError('invalid', `code ${message.code} is not a response code`));
  const token = message.token ?? EMPTY_BUFFER;
  if (token.length > 8) return err(new RequestError('invalid', 'token longer than 8 bytes (RFC 7252 §5.3.1)'));
  const peer = core.peerFor(to);
  const messageId = core.nextMessageId(peer);
  const confirmable = options.confirmable === true;
  const datagram = encode({
    type: confirmable ? MessageType.CON : MessageType.NON,
    code: message.code,
    messageId,
    token,
    options: message.options ?? [],
    payload: message.payload ?? EMPTY_BUFFER,
  });
  const owner = new Unsolicited(core, peer, messageId, options);
  if (confirmable) {
    new Transmission(core, peer, messageId, datagram, owner).start();
    return ok(messageId);
  }
  if (options.onReset !== undefined) owner.rememberNon();
  core.sendDatagram(peer, datagram);
  // Nothing may refer to the peer now; it still stays until our message ID is out of use.
  core.release(peer);
  return ok(messageId);
}
