// RelocatedObserver: a subscriber whose session moved to a new socket (sticky login) keeps its notifications there.
import type { Random } from '../../base/index.js';
import { MessageType, OptionNumber, encode, encodeUint, type CoapOption } from '../../coap/index.js';
import type { PeerAddress } from '../../engine/index.js';
import type { ResponseParts } from '../errors.js';

/** What the observe relay needs of an observer: the engine's ServerObserver has the same shape. */
export interface RelayObserver {
  notify(response: ResponseParts, options?: { readonly confirmable?: boolean }): void;
  end(final?: ResponseParts): void;
}

const OBSERVE_MODULO = 1 << 24;

/**
 * SPEC §3.2: a sticky session's observations follow it to the new socket, with the same token. The
 * engine binds an observer to the socket that registered, so notifications for the moved subscriber
 * are sent here as NON messages (RFC 7641 §4.5 allows NON), numbered by our own 24-bit sequence.
 */
export class RelocatedObserver implements RelayObserver {
  private sequence: number;
  private ended = false;

  constructor(
    readonly token: Buffer,
    private readonly to: PeerAddress,
    private readonly send: (datagram: Buffer, to: PeerAddress) => void,
    private readonly random: Random,
    private readonly onEnd: () => void,
  ) {
    this.sequence = random.int(0, OBSERVE_MODULO);
  }

  notify(response: ResponseParts): void {
    if (this.ended) return;
    // RFC 7641 §4.2: a non-2.xx notification ends the observation and carries no Observe.
    if (response.code >>> 5 !== 2) return this.end(response);
    this.sequence = (this.sequence + 1) % OBSERVE_MODULO;
    const observe: CoapOption = { number: OptionNumber.OBSERVE, value: encodeUint(this.sequence) };
    this.transmit({ ...response, options: [...response.options, observe].sort((a, b) => a.number - b.number) });
  }

  end(final?: ResponseParts): void {
    if (this.ended) return;
    this.ended = true;
    if (final !== undefined) this.transmit({ ...final, options: final.options.filter((o) => o.number !== OptionNumber.OBSERVE) });
    this.onEnd();
  }

  private transmit(response: ResponseParts): void {
    const datagram = encode({
      type: MessageType.NON,
      code: response.code,
      messageId: this.random.int(0, 0x10000),
      token: this.token,
      options: response.options,
      payload: response.payload,
    });
    this.send(datagram, this.to);
  }
}
