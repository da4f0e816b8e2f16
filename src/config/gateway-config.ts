// GatewayConfig: the gateway's validated configuration, as frozen slices (each module gets only its own).

/*
 * The file (JSON or YAML) has the shape of GatewayConfig; every field but `auth` has a default.
 * Durations are milliseconds or text such as "4h", "15m", "90s", "500ms". Example:
 *
 *   listen: [{ host: 0.0.0.0, port: 5683 }, { host: "::", port: 5683 }]
 *   local: { names: [gatewayhost.example.com, localhost] }
 *   resolver:
 *     domains: [{ name: starfish.test, dnsServers: ["10.0.0.53:53"] }]
 *     allowIpLiterals: false
 *   forwarding: { upstreamDeadlineMs: 60s, nstartPerDevice: 1, deviceQueueLimit: 32, strictOptions: false, clientRequestsPerSec: 0 }
 *   client: { piggybackWindowMs: 300ms }
 *   upstream: { ackTimeoutMs: 4s, maxRetransmit: 4 }
 *   sessions: { limitPerAccount: 10, maxIdleMs: 4h, graceMs: 15m, store: { kind: sqlite, path: /var/lib/coap-gateway/sessions.db } }
 *   auth: { jwksUrl: "https://tokens.example.com/.well-known/jwks.json", issuer: "https://tokens.example.com", audience: coap-gateway }
 *   cache: { enabled: true, maxEntries: 10000 }
 *   udp: { receiveBufferBytes: 4194304, sendBufferBytes: 4194304 }
 */

export interface ListenAddress {
  /** IPv4 or IPv6 address to bind ("0.0.0.0", "::", "127.0.0.1"). */
  readonly host: string;
  /** UDP port; 0 lets the OS choose. */
  readonly port: number;
}

/** One mesh domain and the DNS servers (`ip` or `ip:port`) that know its device names. */
export interface DomainConfig {
  readonly name: string;
  readonly dnsServers: readonly string[];
}

export interface ResolverConfig {
  readonly domains: readonly DomainConfig[];
  /** IP-literal targets (coap://[::1]/x) are refused with 5.05 unless this is on. */
  readonly allowIpLiterals: boolean;
  readonly minTtlSec: number;
  readonly maxTtlSec: number;
  readonly negativeTtlSec: number;
  readonly queryTimeoutMs: number;
}

/** RFC 7252 §4.8 transmission parameters for one leg. */
export interface TimingConfig {
  readonly ackTimeoutMs: number;
  readonly ackRandomFactor: number;
  readonly maxRetransmit: number;
}

export interface ForwardingConfig {
  /** RFC 7252 §5.7.1 option rules instead of the seed's "forward every option". */
  readonly strictOptions: boolean;
  /** No answer from the device within this time: 5.04. */
  readonly upstreamDeadlineMs: number;
  /** RFC 7252 §4.7 NSTART: outstanding requests per device. */
  readonly nstartPerDevice: number;
  /** Requests waiting per device beyond NSTART; more get 5.03. */
  readonly deviceQueueLimit: number;
  /** Max-Age (seconds) sent with the 5.03 of a full queue. */
  readonly queueFullMaxAgeSec: number;
  /** Proxied requests in flight across all devices; more get 5.03. */
  readonly maxInFlight: number;
  /** RFC 8768: Hop-Limit inserted when the client sent none. */
  readonly defaultHopLimit: number;
  /** Proxied requests per second per client socket; more get 4.29 with Max-Age (RFC 8516). 0 = no limit. */
  readonly clientRequestsPerSec: number;
  /** Requests a client may send at once before clientRequestsPerSec applies. */
  readonly clientBurst: number;
}

export interface LocalConfig {
  /** Host names that mean the gateway itself (compared case-insensitively), besides its IP literals. */
  readonly names: readonly string[];
}

export type SessionStoreConfig =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'redis'; readonly url: string; readonly keyPrefix: string };

export interface SessionsConfig {
  /** Concurrent sessions per account when the token does not say otherwise. */
  readonly limitPerAccount: number;
  readonly maxIdleMs: number;
  readonly graceMs: number;
  /** How often idle sessions are looked for. */
  readonly sweepIntervalMs: number;
  readonly store: SessionStoreConfig;
}

export type JwksSource = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'url'; readonly url: string };

export interface AuthConfig {
  readonly jwks: JwksSource;
  /** Expected `iss` of access tokens (the token service's issuer). */
  readonly issuer: string;
  /** Expected `aud` of access tokens (this gateway; default the token service's `coap-gateway`). */
  readonly audience: string;
  readonly algorithms: readonly string[];
  readonly clockToleranceSec: number;
}

export interface CacheConfig {
  /** RFC 7252 §5.6 response cache for GET, with coalescing of identical requests (default on). */
  readonly enabled: boolean;
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export interface ObserveConfig {
  /** RFC 7641 §4.5: a client gets at least one CON notification per this period. */
  readonly conNotificationIntervalMs: number;
}

export interface UdpConfig {
  /**
   * SO_RCVBUF / SO_SNDBUF asked for on every gateway socket (default 4 MiB). A burst of requests or
   * device answers larger than the receive buffer is dropped by the kernel before the gateway sees
   * it; Linux caps the value at net.core.rmem_max / wmem_max (the gateway logs what it got).
   */
  readonly receiveBufferBytes: number;
  readonly sendBufferBytes: number;
}

export interface GatewayConfig {
  readonly listen: readonly ListenAddress[];
  readonly local: LocalConfig;
  readonly resolver: ResolverConfig;
  readonly forwarding: ForwardingConfig;
  /** Client leg (fast LAN): piggyback window and RFC 7252 timing. */
  readonly client: TimingConfig & { readonly piggybackWindowMs: number };
  /** Device leg (slow mesh). */
  readonly upstream: TimingConfig;
  readonly sessions: SessionsConfig;
  readonly auth: AuthConfig;
  readonly observe: ObserveConfig;
  readonly cache: CacheConfig;
  readonly udp: UdpConfig;
}

const HOUR_MS = 3_600_000;

/** Defaults for everything but the JWKS source (which has none: it must be configured). */
export const CONFIG_DEFAULTS = {
  listen: [{ host: '0.0.0.0', port: 5683 }],
  local: { names: ['localhost'] },
  resolver: { domains: [], allowIpLiterals: false, minTtlSec: 5, maxTtlSec: 3600, negativeTtlSec: 10, queryTimeoutMs: 3000 },
  forwarding: {
    strictOptions: false,
    upstreamDeadlineMs: 60_000,
    nstartPerDevice: 1,
    deviceQueueLimit: 32,
    queueFullMaxAgeSec: 5,
    maxInFlight: 10_000,
    defaultHopLimit: 16,
    clientRequestsPerSec: 0,
    clientBurst: 20,
  },
  client: { ackTimeoutMs: 2000, ackRandomFactor: 1.5, maxRetransmit: 4, piggybackWindowMs: 300 },
  // A slow mesh: raising ACK_TIMEOUT is always safe (RFC 7252 §4.8.1).
  upstream: { ackTimeoutMs: 4000, ackRandomFactor: 1.5, maxRetransmit: 4 },
  sessions: {
    limitPerAccount: 10,
    maxIdleMs: 4 * HOUR_MS,
    graceMs: HOUR_MS / 4,
    sweepIntervalMs: 60_000,
    store: { kind: 'sqlite', path: 'coap-gateway-sessions.db' },
  },
  auth: { audience: 'coap-gateway', algorithms: ['EdDSA', 'ES256'], clockToleranceSec: 60 },
  observe: { conNotificationIntervalMs: 24 * HOUR_MS },
  cache: { enabled: true, maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 },
  udp: { receiveBufferBytes: 4 * 1024 * 1024, sendBufferBytes: 4 * 1024 * 1024 },
} as const;
