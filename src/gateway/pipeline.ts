// The gateway pipeline: hop-limit -> local-resources | session -> target -> authorize -> resolve -> observe | forward.
import { Code, OptionNumber, encode, hasOption, methodName, type Message } from '../coap/index.js';
import type { Endpoint, PeerAddress, ServerExchange } from '../engine/index.js';
import { clientKeyOf, type CloseReason, type Session } from '../sessions/index.js';
import { silentLogger } from '../telemetry/index.js';
import { BoundedMap } from '../base/index.js';
import { limitUnverified } from './amplification.js';
import { errorResponse, gatewayError, type GatewayError, type ResponseParts } from './errors.js';
import { DEFAULT_GATEWAY_SETTINGS, type Gateway, type GatewayOptions, type GatewayCacheStats, type GatewaySettings, type GatewayStats } from './gateway-options.js';
import { isSuppressed } from './no-response.js';
import { checkProxyRequestOptions, nextHopLimit } from './option-rules.js';
import { createEchoResource } from './resources/echo-resource.js';
import { createHelpResource, createRootResource } from './resources/help-resource.js';
import { createSessionsResource } from './resources/sessions-resource.js';
import { authorizeStage } from './stages/authorize-stage.js';
import { forwardStage, type ForwardContext } from './stages/forward-stage.js';
import { createLocalResources } from './stages/local-resources.js';
import { ObserveRelay } from './stages/observe-relay.js';
import { RateLimitStage } from './stages/rate-limit-stage.js';
import { resolveStage, type ResolvePolicy } from './stages/resolve-stage.js';
import { SessionStage } from './stages/session-stage.js';
import { selfAddresses, targetStage, TargetCache, type SelfIdentity } from './stages/target-stage.js';
import { isProxyRequest, tagBlockwiseUpload, toUpstream, type UpstreamRequest } from './translate.js';
import { DeviceQueues } from './upstream/device-queues.js';
import { oversizeResponse } from './upstream/request-size.js';
import { ResponseCache } from './upstream/response-cache.js';
import { CacheStage } from './stages/cache-stage.js';

/** RFC 7252 §5.8 / RFC 8132: the methods the gateway forwards. */
const METHODS: ReadonlySet<number> = new Set([Code.GET, Code.POST, Code.PUT, Code.DELETE, Code.FETCH, Code.PATCH, Code.IPATCH]);

export function createGateway(o: GatewayOptions): Gateway {
  const settings: GatewaySettings = Object.freeze({ ...DEFAULT_GATEWAY_SETTINGS, ...o.settings });
  const logger = o.logger ?? silentLogger;
  const sessionStage = new SessionStage(o.sessions);
  const queues = new DeviceQueues(o.clock, settings.nstartPerDevice, settings.deviceQueueLimit);
  const local = createLocalResources(
    [createRootResource(), createHelpResource(), createSessionsResource({
      sessions: o.sessions,
      verifier: o.verifier,
      defaultLimit: settings.sessionLimit,
      // SPEC §3.2: a sticky session that moved takes its observations along.
      onLogin: (claimed) => {
        const to = peerOf(claimed.session.clientKey);
        if (claimed.moved !== undefined && to !== undefined) relay.moveClient(claimed.moved.clientKey, claimed.session.clientKey, to);
      },
    }), createEchoResource()],
    settings.strictOptions,
    o.clock,
  );
  const boundAddress = o.downstream.local.address;
  const self: SelfIdentity = {
    names: new Set(settings.localNames.map((n) => n.toLowerCase())),
    port: o.downstream.local.port,
    addresses: selfAddresses(boundAddress),
  };
  // RFC 8768 §3: the 5.08 diagnostic names this proxy.
  const identity = boundAddress === '0.0.0.0' || boundAddress === '::' ? (settings.localNames[0] ?? boundAddress) : boundAddress;
  const forwardContext: ForwardContext = {
    upstreamFor: (peer) => (o.upstream6 !== undefined && peer.address.includes(':') ? o.upstream6 : o.upstream),
    queues,
    clock: o.clock,
    strictOptions: settings.strictOptions,
    queueFullMaxAgeSec: settings.queueFullMaxAgeSec,
  };
  const relay = new ObserveRelay({
    forward: forwardContext,
    clock: o.clock,
    logger,
    onTraffic: (key) => o.sessions.touch(key),
  });
  const cache = settings.cacheEnabled ? new ResponseCache(o.clock, settings.cacheMaxEntries, settings.cacheMaxBytes) : undefined;
  const cacheStage = new CacheStage(cache);
  const targets = new TargetCache();
  const resolvePolicy: ResolvePolicy = { domains: settings.domains, allowIpLiterals: settings.allowIpLiterals, nameChecks: new BoundedMap(16_384) };
  const rateLimit = new RateLimitStage(o.clock, settings.clientRequestsPerSec, settings.clientBurst);
  let inFlight = 0;
  let closed = false;
  /**
   * The engine hands every request of a peer the same `from` object: its session key is built once
   * (no string per request, and its hash stays cached for the session, rate and queue tables).
   */
  const clientKeys = new WeakMap<PeerAddress, string>();
  const clientKeyFor = (from: PeerAddress): string => {
    let key = clientKeys.get(from);
    if (key === undefined) {
      key = clientKeyOf(from.address, from.port);
      clientKeys.set(from, key);
    }
    return key;
  };

  /** Every answer goes through here: RFC 7967 No-Response is honoured for gateway and device answers alike. */
  function reply(exchange: ServerExchange, response: ResponseParts): void {
    if (!exchange.open) return;
    if (isSuppressed(exchange.request, response.code)) {
      // RFC 7967 §2: no response; the engine still ACKs a CON request (RFC 7252 §4.2).
      exchange.drop();
      return;
    }
    exchange.respond(response);
  }

  const fail = (exchange: ServerExchange, error: GatewayError): void => reply(exchange, errorResponse(error));
  /** Before the session is known the source address is unverified: RFC 7252 §11.3 keeps the answer small. */
  const failUnverified = (exchange: ServerExchange, error: GatewayError): void =>
    reply(exchange, limitUnverified(errorResponse(error), encode(exchange.request).length, exchange.request.token.length));

  async function serveLocal(exchange: ServerExchange, message: Message, clientKey: string): Promise<void> {
    const found = await sessionStage.find(clientKey);
    const hasSession = found.ok && found.value !== undefined;
    if (hasSession) o.sessions.touch(clientKey);
    const requestBytes = encode(exchange.request).length;
    reply(exchange, await local.handle({ message, from: exchange.from, requestBytes, hasSession }));
  }

  async function process(exchange: ServerExchange): Promise<void> {
    const request = exchange.request;
    const clientKey = clientKeyFor(exchange.from);
    const deadlineAt = o.clock.now() + settings.upstreamDeadlineMs;
    if (closed) return failUnverified(exchange, gatewayError('overloaded', 'Gateway is shutting down', 5));
    if (!isProxyRequest(request)) return serveLocal(exchange, request, clientKey);

    const hop = nextHopLimit(request, settings.defaultHopLimit, identity);
    if (!hop.ok) return failUnverified(exchange, hop.error);
    const options = checkProxyRequestOptions(request, settings.strictOptions);
    if (!options.ok) return failUnverified(exchange, options.error);
    const target = targetStage(request, self, targets);
    if (target.ok && target.value.kind === 'local') return serveLocal(exchange, target.value.message, clientKey);

    const principal = sessionStage.requireCached(clientKey) ?? (await sessionStage.require(clientKey));
    if (!principal.ok) return failUnverified(exchange, principal.error);
    o.sessions.touch(clientKey);
    const allowedRate = rateLimit.take(clientKey);
    if (!allowedRate.ok) return fail(exchange, allowedRate.error);
    if (!target.ok) return fail(exchange, target.error);
    if (target.value.kind !== 'device') return;
    const device = target.value.target;
    // RFC 7252 §5.8: an unknown method is 4.05.
    if (!METHODS.has(request.code)) return fail(exchange, gatewayError('method-not-allowed', `Code ${request.code >>> 5}.${request.code & 31} is not a method the gateway forwards`));
    const allowed = authorizeStage(principal.value, device, request.code);
    if (!allowed.ok) return fail(exchange, allowed.error);
    const upstreamRequest = tagBlockwiseUpload(stripObserve(toUpstream(request, device, hop.value)), clientKey);
    // RFC 7252 §4.6: nothing larger than one IP packet is sent into the mesh.
    const oversize = oversizeResponse(upstreamRequest, settings.maxUpstreamMessageBytes);
    if (oversize !== undefined) return reply(exchange, oversize);
    if (inFlight >= settings.maxInFlight) return fail(exchange, gatewayError('overloaded', 'Gateway busy, retry later', settings.queueFullMaxAgeSec));

    inFlight++;
    try {
      const resolving = resolveStage(device, resolvePolicy, o.resolve);
      const peer = resolving instanceof Promise ? await resolving : resolving;
      if (!peer.ok) return fail(exchange, peer.error);
      if (exchange.observeRequested) {
        await relay.subscribe(exchange, clientKey, peer.value, device.host, upstreamRequest, deadlineAt, settings.upstreamDeadlineMs);
        return;
      }
      const forward = (r: UpstreamRequest): Promise<ResponseParts> => forwardStage(forwardContext, peer.value, device.host, r, deadlineAt, settings.upstreamDeadlineMs);
      reply(exchange, await cacheStage.handle(upstreamRequest, device.uri, forward));
    } finally {
      inFlight--;
    }
  }

  o.downstream.serve(
    (exchange) => {
      process(exchange).catch((e: unknown) => {
        // The error boundary: nothing but a 5.00 reaches the client, the rest goes to the log.
        logger.error({ err: e instanceof Error ? e.stack : String(e), method: methodName(exchange.request.code) }, 'gateway pipeline failed');
        if (exchange.open) exchange.respond(errorResponse(gatewayError('internal')));
      });
    },
    // The gateway forwards unknown options byte-exact; it applies RFC 7252 §5.4.1 to local requests itself.
    { rejectUnknownCritical: false },
  );

  function sendSessionClosed(session: Session): void {
    const to = peerOf(session.clientKey);
    if (o.announcesSessionClose === false || to === undefined || !reachable(o.downstream, to)) return;
    const parts = errorResponse(gatewayError('session-closed'));
    // The guide: "Gateway will send the client a non-confirmable CoAP response SERVICE_UNAVAILABLE_503".
    // Through the engine, so its message ID is one of ours toward that client (RFC 7252 §4.4).
    const sent = o.downstream.send(to, { code: parts.code, options: parts.options, payload: parts.payload });
    if (!sent.ok) logger.debug({ err: sent.error.message, client: session.clientKey }, 'session-closed notice not sent');
  }

  return {
    settings,
    sessionClosed(session: Session, reason: CloseReason): void {
      sessionStage.forget(session.id);
      // SPEC §3.2: closing a session cancels the upstream observations only it held; a moved one keeps them.
      if (reason !== 'moved') relay.dropClient(session.clientKey);
      if (reason === 'idle' || reason === 'expired') sendSessionClosed(session);
    },
    stats(): GatewayStats {
      const q = queues.stats();
      const r = relay.stats();
      return { inFlight, deviceQueues: q.devices, waiting: q.waiting, observations: r.observations, subscribers: r.subscribers, coalescing: cacheStage.coalescing };
    },
    cacheStats(): GatewayCacheStats {
      return cache?.stats() ?? { entries: 0, bytes: 0, hits: 0, misses: 0, revalidated: 0 };
    },
    async close(): Promise<void> {
      closed = true;
      relay.close();
      queues.close();
      cache?.clear();
      await Promise.resolve();
    },
  };
}

/** Whether the downstream socket can reach the client: same address family, as app/ binds one per family. */
function reachable(downstream: Endpoint, to: PeerAddress): boolean {
  return downstream.local.address.includes(':') === to.address.includes(':');
}

/** Observe is hop-by-hop (RFC 7641 §5): the gateway registers upstream itself. */
function stripObserve(request: UpstreamRequest): UpstreamRequest {
  if (!hasOption(request.options, OptionNumber.OBSERVE)) return request;
  return { ...request, options: request.options.filter((o) => o.number !== OptionNumber.OBSERVE) };
}

/** "ip:port" / "[v6]:port" back to an address. */
function peerOf(clientKey: string): PeerAddress | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(clientKey) ?? /^([^:]+):(\d+)$/.exec(clientKey);
  if (m === null) return undefined;
  return { address: m[1] as string, port: Number(m[2]) };
}
