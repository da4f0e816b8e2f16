// What a Gateway is built from (endpoints, services, settings) and what it reports (stats for leak checks).
import type { Clock, Random, Result } from '../base/index.js';
import type { Endpoint } from '../engine/index.js';
import type { SessionService } from '../sessions/index.js';
import type { TokenVerifier } from '../auth/index.js';
import type { Resolution, ResolveFailure } from '../resolver/index.js';
import type { Logger } from '../telemetry/index.js';
import type { Session, CloseReason } from '../sessions/index.js';

/** The gateway's slice of the configuration (app/ maps config/ onto it). */
export interface GatewaySettings {
  /** Host names that mean the gateway itself (lower case), besides its own address. */
  readonly localNames: readonly string[];
  /** Mesh domains whose `SSN<MAC>.<domain>` names are devices. */
  readonly domains: readonly string[];
  readonly allowIpLiterals: boolean;
  /** RFC 7252 §5.7.1 option rules instead of "forward every option". */
  readonly strictOptions: boolean;
  readonly upstreamDeadlineMs: number;
  readonly nstartPerDevice: number;
  readonly deviceQueueLimit: number;
  readonly queueFullMaxAgeSec: number;
  readonly maxInFlight: number;
  readonly defaultHopLimit: number;
  /** Sessions per account when the token carries no limit. */
  readonly sessionLimit: number;
  /** RFC 7252 §5.6 response cache (GET) with coalescing of identical requests. */
  readonly cacheEnabled: boolean;
  readonly cacheMaxEntries: number;
  readonly cacheMaxBytes: number;
  /** RFC 7252 §4.6: largest datagram sent to a device; bigger requests get 4.13 (with Size1) or 4.00. */
  readonly maxUpstreamMessageBytes: number;
  /** Proxied requests per second per client socket (token bucket, 4.29 beyond it); 0 = no limit. */
  readonly clientRequestsPerSec: number;
  /** Requests a client may send at once before the rate applies. */
  readonly clientBurst: number;
}

export const DEFAULT_GATEWAY_SETTINGS: GatewaySettings = Object.freeze({
  localNames: ['localhost'],
  domains: [],
  allowIpLiterals: false,
  strictOptions: false,
  upstreamDeadlineMs: 60_000,
  nstartPerDevice: 1,
  deviceQueueLimit: 32,
  queueFullMaxAgeSec: 5,
  maxInFlight: 10_000,
  defaultHopLimit: 16,
  sessionLimit: 10,
  cacheEnabled: true,
  cacheMaxEntries: 10_000,
  cacheMaxBytes: 16 * 1024 * 1024,
  maxUpstreamMessageBytes: 1152,
  clientRequestsPerSec: 0,
  clientBurst: 20,
});

/** Resolves a device host name (already checked to be in a configured domain) or an IP literal. */
/** A cached answer may come back synchronously (no promise on the hot path). */
export type ResolveHost = (host: string) => Result<Resolution, ResolveFailure> | Promise<Result<Resolution, ResolveFailure>>;

export interface GatewayOptions {
  /** The endpoint clients talk to. Its handler is set by the gateway. */
  readonly downstream: Endpoint;
  /** The endpoint that talks to devices (own message IDs and tokens). */
  readonly upstream: Endpoint;
  /** The endpoint for IPv6 devices, when `upstream` is an IPv4 socket. */
  readonly upstream6?: Endpoint;
  readonly sessions: SessionService;
  readonly verifier: TokenVerifier;
  readonly resolve: ResolveHost;
  /**
   * Whether this gateway tells clients their session was closed (the seed's NON 5.03, sent through
   * `downstream.send()` to clients of its socket's address family). With several listeners app/ sets it
   * on one per family, so a client never gets the notice twice. Default true.
   */
  readonly announcesSessionClose?: boolean;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger?: Logger;
  readonly settings?: Partial<GatewaySettings>;
}

/** Live counts; all zero on an idle gateway (leak checks). */
export interface GatewayStats {
  /** Proxied requests between arrival and their response. */
  readonly inFlight: number;
  readonly deviceQueues: number;
  readonly waiting: number;
  /** Upstream observations (shared by their subscribers). */
  readonly observations: number;
  /** Clients subscribed to them. */
  readonly subscribers: number;
  /** Upstream GETs other identical requests are waiting on. */
  readonly coalescing: number;
}

/** Response cache figures (not state that must drain: entries stay until stale or evicted). */
export interface GatewayCacheStats {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly revalidated: number;
}

export interface Gateway {
  readonly settings: GatewaySettings;
  /** The session service's onClosed: cancels the session's observations and sends the NON 5.03. */
  sessionClosed(session: Session, reason: CloseReason): void;
  stats(): GatewayStats;
  cacheStats(): GatewayCacheStats;
  /** Stops serving: new requests get 5.03, observations end, the cache is dropped. Endpoints stay open. */
  close(): Promise<void>;
}
