// ClientObservation: our Observe registration, fresh notifications in order, re-registration, cancel (RFC 7641 §3).
import { decode, encode, MessageType, type CoapOption, type Message } from '../../coap/index.js';
import type { PeerAddress } from '../../transport/index.js';
import type { Core } from '../core.js';
import type { ClientObservation, Endpoint, ObservationEndReason, ObserveCallbacks } from '../endpoint-types.js';
import type { ClientExchange, ExchangeListener } from '../exchanges/client-exchange.js';
import { RequestError } from '../request-error.js';
import { isFresher } from './freshness.js';
import { observeValue, withObserve } from './observe-option.js';

/** Sends the deregistration GET (Observe 1, same token): the endpoint itself. */
export type CancelSender = Pick<Endpoint, 'request'>;

const ignore = (): void => undefined;

export class ClientObservationImpl implements ClientObservation, ExchangeListener {
  active = true;
  exchange: ClientExchange | undefined;
  private firstPending = true;
  // Dropped once `first` settles: an observation lives for days and keeps no spent closures.
  private resolveFirst: ((m: Message) => void) | undefined;
  private rejectFirst: ((e: RequestError) => void) | undefined;
  /**
   * The promise until it settles. Then only a compact copy of the outcome is kept (the first response
   * encoded as latin1 text, or the error), not the promise, whose Message holds views of the datagram.
   */
  private firstPromise: Promise<Message> | undefined;
  private firstText: string | undefined;
  private firstError: RequestError | undefined;
  private lastValue = -1;
  private lastAt = 0;

  constructor(
    private readonly core: Core,
    private readonly callbacks: ObserveCallbacks,
    private readonly sender: CancelSender,
    private readonly to: PeerAddress,
    readonly token: Buffer,
    private readonly code: number,
    private readonly options: readonly CoapOption[],
    private readonly confirmable: boolean,
  ) {
    this.firstPromise = new Promise<Message>((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    // Callers that only use the callbacks must not see an unhandled rejection.
    this.firstPromise.catch(ignore);
    core.counters.observations++;
  }

  /** The first response; after it settled, a promise made again from the kept copy (equal, not the same). */
  get first(): Promise<Message> {
    if (this.firstPromise !== undefined) return this.firstPromise;
    const kept = this.firstText === undefined ? undefined : decode(Buffer.from(this.firstText, 'latin1'));
    if (kept?.ok === true) return Promise.resolve(kept.value);
    const failed = Promise.reject(this.firstError ?? new RequestError('cancelled', 'observation ended before its first response'));
    failed.catch(ignore);
    return failed;
  }

  onResponse(response: Message): boolean {
    if (!this.active) return false;
    const value = observeValue(response);
    const now = this.core.clock.now();
    if (this.firstPending) {
      this.firstPending = false;
      this.resolveFirst?.(response);
      this.firstText = encode(response).toString('latin1');
      this.settled();
    }
    // RFC 7641 §3.2, §4.2: no Observe, or an error code, means the server is not (or no longer) notifying.
    if (value === undefined || response.code >>> 5 !== 2) {
      this.deliver(response);
      this.end('not-observed');
      return false;
    }
    // RFC 7641 §3.4: only a notification newer than the last one is delivered.
    if (this.lastValue >= 0 && !isFresher(this.lastValue, this.lastAt, value, now)) return true;
    this.lastValue = value;
    this.lastAt = now;
    this.deliver(response);
    return this.active;
  }

  onError(error: RequestError): void {
    if (this.firstPending) {
      this.firstPending = false;
      this.rejectFirst?.(error);
      this.firstError = error;
      this.settled();
    }
    const kind = error.kind;
    this.end(kind === 'reset' || kind === 'timeout' || kind === 'closed' ? kind : 'cancelled');
  }

  reregister(): void {
    if (!this.active) return;
    this.exchange?.resend(this.code, withObserve(this.options, 0));
  }

  cancel(mode: 'proactive' | 'reactive' = 'proactive'): Promise<void> {
    if (!this.active) return Promise.resolve();
    this.exchange?.finish();
    if (this.firstPending) {
      this.firstPending = false;
      this.firstError = new RequestError('cancelled', 'observation cancelled before its first response');
      this.rejectFirst?.(this.firstError);
      this.settled();
    }
    this.end('cancelled');
    // RFC 7641 §3.6: reactive = forget it, the next notification gets RST (the endpoint does that).
    if (mode === 'reactive' || this.core.closed) return Promise.resolve();
    const type = this.confirmable ? MessageType.CON : MessageType.NON;
    return this.sender.request(this.to, { type, code: this.code, options: withObserve(this.options, 1), token: this.token }).then(
      () => undefined,
      () => undefined,
    );
  }

  private settled(): void {
    this.resolveFirst = undefined;
    this.rejectFirst = undefined;
    this.firstPromise = undefined;
  }

  private deliver(response: Message): void {
    try {
      this.callbacks.onNotification(response);
    } catch (error) {
      this.core.logger.error({ err: error }, 'notification callback threw');
    }
  }

  private end(reason: ObservationEndReason): void {
    if (!this.active) return;
    this.active = false;
    this.core.counters.observations--;
    try {
      this.callbacks.onEnd?.(reason);
    } catch (error) {
      this.core.logger.error({ err: error }, 'observation end callback threw');
    }
  }
}
