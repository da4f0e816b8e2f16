// The observe relay's records: an observation, its subscribers, their client sockets, the upstream listener.
import { MessageType, decode, encode, EMPTY_BUFFER, type Message } from '../../coap/index.js';
import type {
  ClientObservation,
  ObservationEndReason,
  ObserveCallbacks,
  ObserverEndReason,
  ObserverListener,
  PeerAddress,
  ServerExchange,
  ServerObserver,
  Timed,
} from '../../engine/index.js';
import type { ResponseParts } from '../errors.js';
import type { UpstreamRequest } from '../translate.js';

/** What the records call back into (the relay). */
export interface RelayHooks {
  subscriberEnded(sub: Subscriber): void;
  notification(obs: Observation, message: Message): void;
  upstreamEnded(obs: Observation, reason: ObservationEndReason): void;
  /** The device has been silent past Max-Age (it may have restarted and forgotten us). */
  silence(obs: Observation): void;
}

/** A client socket's subscriptions; its one key string is shared by all of them. */
export interface ClientSubscriptions {
  readonly key: string;
  readonly subs: Set<Subscriber>;
}

/**
 * One client's share of an observation. It is itself the engine observer's end listener, so a
 * subscriber costs this record, its observer and two set entries: no closure, no copy of the client key.
 */
export class Subscriber implements ObserverListener {
  observer: ServerObserver | undefined = undefined;

  constructor(
    /** The client socket; a sticky login moves it (SPEC §3.2). */
    public client: ClientSubscriptions,
    readonly observation: Observation,
  ) {}

  get clientKey(): string {
    return this.client.key;
  }

  observerEnded(_reason: ObserverEndReason): void {
    this.observation.hooks.subscriberEnded(this);
  }
}

/**
 * Hears one upstream registration. Callbacks of a registration that was replaced (a re-registration
 * with a new token) are ignored. Methods on one object, not closures per registration.
 */
export class UpstreamListener implements ObserveCallbacks {
  client: ClientObservation | undefined = undefined;

  constructor(
    private readonly hooks: RelayHooks,
    private readonly obs: Observation,
  ) {}

  onNotification(message: Message): void {
    if (this.obs.client === this.client) this.hooks.notification(this.obs, message);
  }

  onEnd(reason: ObservationEndReason): void {
    if (this.obs.client === this.client) this.hooks.upstreamEnded(this.obs, reason);
  }
}

/**
 * One upstream Observe relation, shared by its subscribers (RFC 7641 §5). Its silence deadline lives
 * in the relay's one timer queue. The latest representation is kept encoded (one string, no Buffer
 * views pinning the device's datagram), and only when Max-Age lets a late joiner use it.
 */
export class Observation implements Timed {
  timerAt = 0;
  timerIndex = -1;
  timerSeq = 0;
  client: ClientObservation | undefined = undefined;
  /** Re-registrations since the last notification. */
  misses = 0;
  /** The silence delay now in force (from the last notification's Max-Age). */
  silenceAfterMs = 0;
  /** Registrations waiting for the first upstream response. */
  readonly pending: ServerExchange[];
  readonly subscribers = new Set<Subscriber>();
  established = false;
  private latestText: string | undefined = undefined;
  private latestAtMs = 0;
  private latestMaxAgeMs = 0;

  constructor(
    readonly hooks: RelayHooks,
    readonly key: string,
    readonly host: string,
    readonly peer: PeerAddress,
    /** The registration as sent upstream (without Observe: the engine adds it). */
    readonly request: UpstreamRequest,
    first: ServerExchange,
  ) {
    this.pending = [first];
  }

  onTimer(): void {
    this.hooks.silence(this);
  }

  /** Keeps the representation for late joiners while it is fresh (RFC 7252 §5.10.5 Max-Age). */
  setLatest(response: ResponseParts, atMs: number, maxAgeMs: number): void {
    if (maxAgeMs <= 0) {
      // Stale at once: no late joiner could ever be served from it.
      this.latestText = undefined;
      return;
    }
    const datagram = encode({ type: MessageType.ACK, code: response.code, messageId: 0, token: EMPTY_BUFFER, options: response.options, payload: response.payload });
    this.latestText = datagram.toString('latin1');
    this.latestAtMs = atMs;
    this.latestMaxAgeMs = maxAgeMs;
  }

  /** The latest representation if still fresh at `nowMs`. */
  freshLatest(nowMs: number): ResponseParts | undefined {
    if (this.latestText === undefined || nowMs - this.latestAtMs >= this.latestMaxAgeMs) return undefined;
    const decoded = decode(Buffer.from(this.latestText, 'latin1'));
    if (!decoded.ok) return undefined;
    const m = decoded.value;
    return { code: m.code, options: m.options, payload: m.payload };
  }
}
