// Endpoint: composes timers, peers, dedup, exchanges and Observe into one RFC 7252 endpoint.
import { cryptoRandom, systemClock, type Clock, type Random, type Result } from '../base/index.js';
import { Code, EMPTY_BUFFER, isRequestCode, MessageType, type CoapOption, type Message } from '../coap/index.js';
import { silentLogger, type Logger } from '../telemetry/index.js';
import type { DatagramTransport, PeerAddress } from '../transport/index.js';
import type { Core, CoreCounters } from './core.js';
import type {
  ClientObservation,
  Endpoint,
  EndpointLimits,
  EndpointOptions,
  EndpointStats,
  ObserveCallbacks,
  OutgoingMessage,
  OutgoingRequest,
  RequestHandler,
  RequestOptions,
  ResponseListener,
  SendOptions,
  ServeOptions,
} from './endpoint-types.js';
import { ClientExchange, type ExchangeListener } from './exchanges/client-exchange.js';
import { Ping } from './exchanges/ping.js';
import { resolveLimits } from './limits.js';
import { Deduplicator } from './messaging/deduplicator.js';
import { Inbound, type InboundHost } from './messaging/inbound.js';
import { sendUnsolicited } from './messaging/unsolicited.js';
import { ClientObservationImpl } from './observe/client-observation.js';
import { OBSERVE_MODULO, withObserve } from './observe/observe-option.js';
import { Peer, peerKey, tokenLow } from './peer.js';
import { RequestError } from './request-error.js';
import { TimerQueue } from './timer-queue.js';
import { resolveTiming, type DerivedTiming } from './timing.js';

/** Settles the request() promise; the listener of a plain request. */
class PromiseListener implements ResponseListener {
  constructor(
    private readonly resolve: (m: Message) => void,
    private readonly reject: (e: RequestError) => void,
  ) {}

  onResponse(response: Message): void {
    this.resolve(response);
  }

  onError(error: RequestError): void {
    this.reject(error);
  }
}

class EndpointImpl implements Endpoint, Core, InboundHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly timing: DerivedTiming;
  readonly limits: EndpointLimits;
  readonly timers: TimerQueue;
  readonly logger: Logger;
  readonly counters: CoreCounters = { clientExchanges: 0, serverExchanges: 0, observers: 0, observations: 0, queued: 0 };
  readonly local: PeerAddress;
  readonly dedup: Deduplicator;
  closed = false;
  handler: RequestHandler | undefined;
  serveOptions: ServeOptions = {};
  private readonly transport: DatagramTransport;
  private readonly peers = new Map<number | string, Peer>();
  private readonly pings = new Set<Ping>();
  private readonly inbound: Inbound;
  private observeValue: number;
  /** The peer whose datagram is being handled: not released midway (see release()). */
  private busy: Peer | undefined;
  private readonly retentionEnded = (peer: Peer): void => this.release(peer);

  constructor(options: EndpointOptions) {
    this.transport = options.transport;
    this.local = options.transport.local;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
    this.logger = options.logger ?? silentLogger;
    this.timing = resolveTiming(options.timing);
    this.limits = resolveLimits(options.limits);
    this.timers = new TimerQueue(this.clock);
    this.observeValue = this.random.int(0, OBSERVE_MODULO);
    this.dedup = new Deduplicator(
      {
        exchangeLifetimeMs: this.timing.exchangeLifetimeMs,
        nonLifetimeMs: this.timing.nonLifetimeMs,
        perPeer: this.limits.dedupPerPeer,
        total: this.limits.dedupTotal,
      },
      this.timers,
      this.retentionEnded,
    );
    this.inbound = new Inbound(this);
    this.transport.onDatagram((data, from) => this.receive(data, from));
  }

  // --- Core -------------------------------------------------------------------------------------

  sendDatagram(peer: Peer, datagram: Buffer): void {
    this.transport.send(datagram, peer.address);
  }

  sendTo(address: PeerAddress, datagram: Buffer): void {
    this.transport.send(datagram, address);
  }

  nextMessageId(peer: Peer): number {
    // RFC 7252 §4.4: sequential from a random start per peer; skip IDs still awaiting an ACK.
    let mid = peer.nextMid;
    for (let i = 0; i < 0x10000 && peer.transmissions.has(mid); i++) mid = (mid + 1) & 0xffff;
    peer.nextMid = (mid + 1) & 0xffff;
    peer.midUsedAt = this.clock.now();
    return mid;
  }

  nextObserveValue(): number {
    const v = this.observeValue;
    this.observeValue = (v + 1) % OBSERVE_MODULO;
    return v;
  }

  release(peer: Peer): void {
    if (peer.removed || peer === this.busy || !peer.isIdle()) return;
    // RFC 7252 §4.4: keep the peer (its message ID counter) until our last ID to it is out of use.
    const retainUntil = peer.midUsedAt + this.timing.exchangeLifetimeMs;
    if (this.clock.now() < retainUntil && !this.closed) {
      // A retention timer already set stays (it re-checks when it fires): a busy device peer costs no
      // timer-heap work per request, only one per EXCHANGE_LIFETIME.
      if (peer.timerIndex < 0) this.timers.schedule(peer, retainUntil);
      return;
    }
    peer.removed = true;
    this.timers.cancel(peer);
    this.peers.delete(peer.key);
  }

  // --- InboundHost ------------------------------------------------------------------------------

  findPeer(address: PeerAddress): Peer | undefined {
    return this.peers.get(peerKey(address));
  }

  peerFor(address: PeerAddress): Peer {
    const key = peerKey(address);
    let peer = this.peers.get(key);
    if (peer === undefined) {
      peer = new Peer(key, address, this.random.int(0, 0x10000), this.retentionEnded);
      this.peers.set(key, peer);
    }
    // A pending retention timer is left alone: when it fires, release() finds the peer in use (or its
    // retention extended by a newer message ID) and does nothing or re-arms.
    return peer;
  }

  // --- Endpoint ---------------------------------------------------------------------------------

  serve(handler: RequestHandler, options: ServeOptions = {}): void {
    this.handler = handler;
    this.serveOptions = options;
  }

  request(to: PeerAddress, request: OutgoingRequest, options: RequestOptions = {}): Promise<Message> {
    return new Promise<Message>((resolve, reject) => this.requestWith(to, request, new PromiseListener(resolve, reject), options));
  }

  requestWith(to: PeerAddress, request: OutgoingRequest, listener: ResponseListener, options: RequestOptions = {}): void {
    // A ResponseListener is an ExchangeListener that never asks to keep listening.
    const exchange = this.createExchange(to, request, request.code, request.options ?? [], listener);
    if (exchange instanceof RequestError) listener.onError(exchange);
    else exchange.begin(options.timeoutMs ?? this.timing.exchangeLifetimeMs, options.signal);
  }

  observe(
    to: PeerAddress,
    request: Omit<OutgoingRequest, 'code'> & { readonly code?: number },
    callbacks: ObserveCallbacks,
    options: RequestOptions = {},
  ): ClientObservation {
    const code = request.code ?? Code.GET;
    const baseOptions = request.options ?? [];
    const confirmable = request.type !== MessageType.NON;
    // The observation calls back into this endpoint itself: no closure kept per observation.
    const make = (token: Buffer): ClientObservationImpl =>
      new ClientObservationImpl(this, callbacks, this, to, token, code, baseOptions, confirmable);
    let observation: ClientObservationImpl | undefined;
    const exchange = this.createExchange(to, request, code, withObserve(baseOptions, 0), (token) => (observation = make(token)));
    if (exchange instanceof RequestError) {
      const failed = make(request.token ?? EMPTY_BUFFER);
      failed.onError(exchange);
      return failed;
    }
    const created = observation as unknown as ClientObservationImpl;
    created.exchange = exchange;
    exchange.begin(options.timeoutMs ?? this.timing.exchangeLifetimeMs, options.signal);
    return created;
  }

  ping(to: PeerAddress, options: RequestOptions = {}): Promise<number> {
    if (this.closed) return Promise.reject(new RequestError('closed', 'endpoint closed'));
    return new Promise<number>((resolve, reject) => {
      const ping = new Ping(this, this.peerFor(to), options.timeoutMs, resolve, reject, (p) => this.pings.delete(p));
      this.pings.add(ping);
      ping.begin(options.signal);
    });
  }

  send(to: PeerAddress, message: OutgoingMessage, options: SendOptions = {}): Result<number, RequestError> {
    return sendUnsolicited(this, to, message, options);
  }

  stats(): EndpointStats {
    let transmissions = 0;
    for (const peer of this.peers.values()) transmissions += peer.transmissions.size;
    const c = this.counters;
    return {
      peers: this.peers.size,
      exchanges: c.clientExchanges + c.serverExchanges,
      clientExchanges: c.clientExchanges,
      serverExchanges: c.serverExchanges,
      transmissions,
      dedupEntries: this.dedup.size,
      timers: this.timers.size,
      observers: c.observers,
      observations: c.observations,
      queued: c.queued,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const peer of [...this.peers.values()]) {
      for (const holder of [...peer.tokens.values()]) holder.fail('closed', 'endpoint closed');
      for (const observer of [...peer.observers.values()]) observer.close();
      for (const t of [...peer.transmissions.values()]) t.stop();
    }
    for (const ping of [...this.pings]) ping.fail('closed', 'endpoint closed');
    this.timers.clear();
    this.dedup.clear();
    this.peers.clear();
    this.counters.serverExchanges = 0;
    await this.transport.close();
  }

  // --- internals --------------------------------------------------------------------------------

  private receive(data: Buffer, from: PeerAddress): void {
    if (this.closed) return;
    try {
      this.inbound.receive(data, from);
    } catch (error) {
      // A bug must not take the endpoint down: log and drop the datagram.
      this.logger.error({ err: error }, 'error while handling a datagram');
    }
    const peer = this.busy;
    this.busy = undefined;
    if (peer !== undefined) this.release(peer);
  }

  holdPeer(peer: Peer): void {
    this.busy = peer;
  }

  private createExchange(
    to: PeerAddress,
    request: Omit<OutgoingRequest, 'code'>,
    code: number,
    options: readonly CoapOption[],
    listenerFor: ((token: Buffer) => ExchangeListener) | ExchangeListener,
  ): ClientExchange | RequestError {
    if (this.closed) return new RequestError('closed', 'endpoint closed');
    const invalid = this.invalidReason(request, code);
    if (invalid !== undefined) return new RequestError('invalid', invalid);
    const peer = this.peerFor(to);
    let token = request.token;
    if (token === undefined) {
      do token = this.random.bytes(this.limits.tokenLength);
      while (peer.tokens.has(tokenLow(token)));
    } else if (peer.tokens.has(tokenLow(token))) {
      this.release(peer);
      return new RequestError('invalid', 'token already in use toward this peer');
    }
    const confirmable = request.type !== MessageType.NON;
    const listener = typeof listenerFor === 'function' ? listenerFor(token) : listenerFor;
    return new ClientExchange(this, peer, token, confirmable, code, options, request.payload ?? EMPTY_BUFFER, listener);
  }

  private invalidReason(request: Omit<OutgoingRequest, 'code'>, code: number): string | undefined {
    if (!isRequestCode(code)) return `code ${code} is not a request code`;
    if (request.token !== undefined && request.token.length > 8) return 'token longer than 8 bytes (RFC 7252 §5.3.1)';
    if (request.type !== undefined && request.type !== MessageType.CON && request.type !== MessageType.NON) {
      return 'a request is CON or NON';
    }
    return undefined;
  }
}

/** Creates an endpoint on a transport; it receives at once and serves once serve() is called. */
export function createEndpoint(options: EndpointOptions): Endpoint {
  return new EndpointImpl(options);
}
