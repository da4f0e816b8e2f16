// Endpoint types: the public contract of one RFC 7252 endpoint (server, client, Observe, stats).
import type { Clock, Random, Result } from '../base/index.js';
import type { CoapOption, Message } from '../coap/index.js';
import type { Logger } from '../telemetry/index.js';
import type { DatagramTransport, PeerAddress } from '../transport/index.js';
import type { RequestError } from './request-error.js';
import type { Timing, DerivedTiming } from './timing.js';

/** Memory bounds of one endpoint. */
export interface EndpointLimits {
  /**
   * Deduplication entries kept per peer (RFC 7252 §4.5). Default 4096: a peer's duplicates arrive
   * within MAX_TRANSMIT_SPAN (45 s), and 4096 entries cover ~90 messages/s over that span; older
   * entries are evicted first. A MID reused with another token is a new message anyway.
   */
  readonly dedupPerPeer: number;
  /** Deduplication entries kept in total (default 100 000; the oldest is evicted first). */
  readonly dedupTotal: number;
  /** Client requests waiting for an NSTART slot per peer (default 1024); more fail with 'invalid'. */
  readonly queuePerPeer: number;
  /**
   * Server-side observers per peer (default 256). Beyond it a registration is served as a plain GET,
   * which RFC 7641 §4.1 allows ("unable or unwilling to add a new entry").
   */
  readonly observersPerPeer: number;
  /** Length of the tokens this endpoint generates, 1-8 bytes (default 8; RFC 7252 §5.3.1). */
  readonly tokenLength: number;
  /** Send a CON notification at least every N notifications per observer (RFC 7641 §4.5; default 5). */
  readonly observeConEvery: number;
  /** ... and at least once per this interval (RFC 7641 §4.5: 24 h). */
  readonly observeConIntervalMs: number;
}

export interface EndpointOptions {
  readonly transport: DatagramTransport;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly timing?: Partial<Timing>;
  readonly logger?: Logger;
  readonly limits?: Partial<EndpointLimits>;
}

/** What a handler answers with: the engine picks type and message ID; options pass through as given. */
export interface OutgoingResponse {
  readonly code: number;
  readonly options?: readonly CoapOption[];
  readonly payload?: Buffer;
}

/** A request this endpoint sends. `type` defaults to CON (MessageType.CON = 0, NON = 1). */
export interface OutgoingRequest {
  readonly type?: 0 | 1;
  readonly code: number;
  readonly options?: readonly CoapOption[];
  readonly payload?: Buffer;
  /** Our own random token of limits.tokenLength bytes when absent (RFC 7252 §5.3.1). */
  readonly token?: Buffer;
}

export interface RequestOptions {
  /** Overall deadline; default EXCHANGE_LIFETIME. CON retransmission gives up earlier on no ACK. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Why a server-side observer was removed (the handler owner's callback gets it). */
export type ObserverEndReason =
  | 'reset' // RST to a notification (RFC 7641 §3.6)
  | 'timeout' // a CON notification was never ACKed (RFC 7641 §4.5)
  | 'deregistered' // GET with Observe 1, or a GET without Observe, with the same token (RFC 7641 §3.6)
  | 'replaced' // a new registration with the same peer and token (RFC 7641 §4.1)
  | 'ended' // the owner called end() or sent a non-2.xx notification (RFC 7641 §4.2)
  | 'closed'; // the endpoint closed

/**
 * Told once when a server-side observer ends. A long-lived object (e.g. the owner's own record of the
 * subscriber) instead of a closure per observer: a relay holding 100,000 observers keeps no closures.
 */
export interface ObserverListener {
  observerEnded(reason: ObserverEndReason): void;
}

/** How ServerExchange.observe() registers. */
export interface ObserverOptions {
  /**
   * Keep the registration request for `ServerObserver.request` (default true). An owner that never
   * reads it (a relay with many subscribers) passes false and saves its bytes per observer.
   */
  readonly keepRequest?: boolean;
}

/** One registered observer of a resource this endpoint serves (RFC 7641 §4). */
export interface ServerObserver {
  /** The registration request; throws when it was registered with `keepRequest: false`. */
  readonly request: Message;
  readonly from: PeerAddress;
  readonly token: Buffer;
  readonly active: boolean;
  /**
   * Sends a notification with the next 24-bit Observe sequence number. NON unless `confirmable`;
   * the engine still makes every Nth (and one per 24 h) CON, keeps at most one CON in flight and lets
   * a newer state replace a pending one (RFC 7641 §4.5). A non-2.xx code ends the observation.
   */
  notify(response: OutgoingResponse, options?: { readonly confirmable?: boolean }): void;
  /** Removes the observer; sends `final` (without Observe) when given. */
  end(final?: OutgoingResponse): void;
  /**
   * Re-targets the observer to another socket of the same client (a session that moved): later
   * notifications go to `to` with the same token, message IDs of that peer and its RST/deregistration
   * handling (RFC 7641 §3.6); `from` becomes `to`. A notification in flight to the old address is
   * dropped, and the next one is CON, so the new socket confirms its interest (RFC 7641 §4.5).
   * Returns false (nothing changes) when the observer ended, its first response is still pending, or
   * `to` is at the per-peer observer cap; an entry of `to` with the same token is replaced (§4.1).
   */
  moveTo(to: PeerAddress): boolean;
}

/** One incoming request as the handler sees it. */
export interface ServerExchange {
  readonly request: Message;
  readonly from: PeerAddress;
  /** True until a response was given (or the endpoint closed). */
  readonly open: boolean;
  /** True when the request is a GET/FETCH with Observe 0 (RFC 7641 §3.1). */
  readonly observeRequested: boolean;
  /**
   * Answers the request: piggybacked in the ACK within the window, else a separate response (CON for
   * a CON request, retransmitted; NON for a NON request). A second call is ignored.
   */
  respond(response: OutgoingResponse): void;
  /** Sends the empty ACK now (CON requests only; RFC 7252 §5.2.2). */
  accept(): void;
  /**
   * Ends the exchange with no response (RFC 7967 No-Response) and frees its state. No-Response acts on
   * requests and responses only, not on reliability: a CON request still gets its empty ACK if it was
   * not sent yet (RFC 7252 §4.2), and duplicates get it again (§4.5); a NON request gets nothing.
   * An observer registered on this exchange stays registered. Ignored once the exchange is closed.
   */
  drop(): void;
  /**
   * Registers the requester as an observer (only when observeRequested and under the per-peer cap;
   * else undefined, and the response goes out without Observe). The response
   * given by respond() or the observer's first notify() then carries Observe. `onEnd` is called once.
   */
  observe(onEnd?: ((reason: ObserverEndReason) => void) | ObserverListener, options?: ObserverOptions): ServerObserver | undefined;
}

/** A message sent outside any exchange with Endpoint.send(). */
export interface OutgoingMessage {
  /** A response code (2.00-5.31): requests go through request(), pings through ping(). */
  readonly code: number;
  /** Default empty. */
  readonly token?: Buffer;
  readonly options?: readonly CoapOption[];
  readonly payload?: Buffer;
}

export interface SendOptions {
  /** CON, retransmitted with back-off until ACK or RST (RFC 7252 §4.2); default NON. */
  readonly confirmable?: boolean;
  /**
   * The peer rejected the message with RST (RFC 7252 §4.2/§4.3). For a NON the message ID is
   * remembered for NON_LIFETIME (§4.8.2) only when this callback is given.
   */
  readonly onReset?: () => void;
  /** CON only: the ACK came. */
  readonly onAck?: () => void;
  /** CON only: no ACK after MAX_RETRANSMIT retransmissions. */
  readonly onTimeout?: () => void;
}

export type RequestHandler = (exchange: ServerExchange) => void;

export interface ServeOptions {
  /**
   * RFC 7252 §5.4.1: answer 4.02 Bad Option to a request with an unrecognized critical option
   * (reject a NON). Default true; a proxy that forwards unknown options byte-exact turns it off.
   */
  readonly rejectUnknownCritical?: boolean;
  /** Option numbers recognized besides the coap option registry. */
  readonly knownOptions?: ReadonlySet<number>;
}

/** Why a client observation ended. */
export type ObservationEndReason =
  | 'cancelled' // we cancelled it (proactive or reactive)
  | 'not-observed' // the server answered without Observe or with a non-2.xx code (RFC 7641 §3.2/§4.2)
  | 'reset' // the server answered RST
  | 'timeout' // no ACK / no response to the registration
  | 'closed'; // the endpoint closed

export interface ObserveCallbacks {
  /** Every fresh response in order (RFC 7641 §3.4), the first (registration) response included. */
  onNotification(message: Message): void;
  onEnd?(reason: ObservationEndReason): void;
}

/** A client-side observation (RFC 7641 §3). */
export interface ClientObservation {
  readonly token: Buffer;
  readonly active: boolean;
  /** The first response; rejects with RequestError when the registration fails. */
  readonly first: Promise<Message>;
  /** Sends the registration again with the same token (RFC 7641 §3.3.1). */
  reregister(): void;
  /**
   * Ends it. 'proactive' (default) sends GET with Observe 1 and the same token and resolves on its
   * response; 'reactive' forgets it so the next notification is answered with RST (RFC 7641 §3.6).
   */
  cancel(mode?: 'proactive' | 'reactive'): Promise<void>;
}

/** Live state counts, all zero on an idle endpoint (leak checks). */
export interface EndpointStats {
  readonly peers: number;
  /** Client requests in flight plus server exchanges not yet answered. */
  readonly exchanges: number;
  readonly clientExchanges: number;
  readonly serverExchanges: number;
  /** CON messages awaiting ACK/RST. */
  readonly transmissions: number;
  readonly dedupEntries: number;
  /** Entries in the endpoint's timer queue. */
  readonly timers: number;
  /** Server-side observers. */
  readonly observers: number;
  /** Client-side observations. */
  readonly observations: number;
  /** Client requests waiting for an NSTART slot. */
  readonly queued: number;
}

/** Hears the one outcome of Endpoint.requestWith(). */
export interface ResponseListener {
  onResponse(response: Message): void;
  onError(error: RequestError): void;
}

export interface Endpoint {
  readonly local: PeerAddress;
  readonly timing: DerivedTiming;
  /** Sets the request handler; without one, CON requests get RST and NON requests are ignored. */
  serve(handler: RequestHandler, options?: ServeOptions): void;
  /** Sends a request and resolves with its response; rejects with RequestError. */
  request(to: PeerAddress, request: OutgoingRequest, options?: RequestOptions): Promise<Message>;
  /**
   * request() without a promise, for hot paths: `listener` hears exactly one outcome, the response or
   * the RequestError (a request refused at once, e.g. on a closed endpoint, is told synchronously).
   */
  requestWith(to: PeerAddress, request: OutgoingRequest, listener: ResponseListener, options?: RequestOptions): void;
  /** Registers an observation: `request` gets Observe 0 added (code defaults to GET). */
  observe(
    to: PeerAddress,
    request: Omit<OutgoingRequest, 'code'> & { readonly code?: number },
    callbacks: ObserveCallbacks,
    options?: RequestOptions,
  ): ClientObservation;
  /**
   * CoAP ping (RFC 7252 §4.3): empty CON, resolves with the round trip in ms when the RST comes.
   * Rejects with RequestError 'timeout' after `timeoutMs` (or, without it, once MAX_RETRANSMIT
   * retransmissions went unanswered), 'cancelled' on abort, 'closed' on close; nothing is left behind.
   */
  ping(to: PeerAddress, options?: RequestOptions): Promise<number>;
  /**
   * Sends one message to a peer outside any exchange (e.g. "your session ended"), with this endpoint's
   * own message IDs toward that peer (RFC 7252 §4.4) and its ACK/RST matching. NON unless
   * `confirmable`; a CON is retransmitted until ACK, RST or MAX_RETRANSMIT (§4.2). Returns the message
   * ID; 'invalid' for a code that is not a response code or a token over 8 bytes, 'closed' when closed.
   */
  send(to: PeerAddress, message: OutgoingMessage, options?: SendOptions): Result<number, RequestError>;
  stats(): EndpointStats;
  /** Fails everything pending with 'closed', ends observers, clears timers, closes the transport. */
  close(): Promise<void>;
}
