// Ping: an empty CON that a live peer answers with RST (RFC 7252 §4.3), timed by the retransmission layer.
import { EMPTY_BUFFER, encode, MessageType } from '../../coap/index.js';
import type { Core } from '../core.js';
import { Transmission, type TransmissionOwner } from '../messaging/transmission.js';
import type { Peer } from '../peer.js';
import { RequestError, type RequestErrorKind } from '../request-error.js';

export class Ping implements TransmissionOwner {
  private readonly startedAt: number;
  private transmission: Transmission | undefined;
  private done = false;

  constructor(
    private readonly core: Core,
    peer: Peer,
    private readonly resolve: (rttMs: number) => void,
    private readonly reject: (error: RequestError) => void,
    private readonly onDone: (ping: Ping) => void,
  ) {
    this.startedAt = core.clock.now();
    const messageId = core.nextMessageId(peer);
    const datagram = encode({ type: MessageType.CON, code: 0, messageId, token: EMPTY_BUFFER, options: [], payload: EMPTY_BUFFER });
    this.transmission = new Transmission(core, peer, messageId, datagram, this);
    this.transmission.start();
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

  fail(kind: RequestErrorKind, message: string): void {
    if (this.done) return;
    this.done = true;
    this.transmission?.stop();
    this.transmission = undefined;
    this.onDone(this);
    this.reject(new RequestError(kind, message));
  }

  private settle(): void {
    if (this.done) return;
    this.done = true;
    this.transmission = undefined;
    this.onDone(this);
    this.resolve(this.core.clock.now() - this.startedAt);
  }
}
