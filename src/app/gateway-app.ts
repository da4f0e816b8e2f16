// startGateway: the gateway's composition root: UDP sockets, endpoints, session store, verifier, resolvers.
import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import type { JSONWebKeySet } from 'jose';
import { pino } from 'pino';
import { type Clock, type Random, cryptoRandom, systemClock, err } from '../base/index.js';
import type { GatewayConfig, SessionStoreConfig } from '../config/index.js';
import { createEndpoint, type Endpoint, type PeerAddress } from '../engine/index.js';
import { createGateway, type Gateway, type ResolveHost } from '../gateway/index.js';
import { createTokenVerifier, type TokenVerifier } from '../auth/index.js';
import { createDnsResolver, isWithinDomain, type DnsResolver } from '../resolver/index.js';
import {
  createMemoryStore,
  createRedisStore,
  createSessionService,
  createSqliteStore,
  openSessionDatabase,
  type SessionService,
  type SessionStore,
} from '../sessions/index.js';
import type { Logger } from '../telemetry/index.js';
import { bindUdp, type DatagramTransport } from '../transport/index.js';

export interface StartGatewayOptions {
  readonly clock?: Clock;
  readonly random?: Random;
  /** Default: pino JSON lines on stderr at `logLevel`. */
  readonly logger?: Logger;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export interface RunningGateway {
  /** The UDP port of the first listen address (the chosen one when configured as 0). */
  readonly port: number;
  /** Every bound listen address. */
  readonly addresses: readonly PeerAddress[];
  readonly gateways: readonly Gateway[];
  readonly sessions: SessionService;
  close(): Promise<void>;
}

interface OpenedStore {
  readonly store: SessionStore;
  close(): Promise<void>;
}

/**
 * The Redis client for the session store. A dead Redis must turn into a quick 5.03, not a wait: no offline
 * queue (commands fail at once while reconnecting; lookups then serve cached sessions), a command timeout
 * for a Redis that hangs, and connection changes logged once each instead of ioredis's unhandled errors.
 */
function connectRedis(url: string, logger: Logger): { redis: Redis; quit(): Promise<void> } {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false, commandTimeout: 2000, connectTimeout: 5000 });
  let up = false;
  let quitting = false;
  // No credentials in the log.
  const where = url.replace(/\/\/[^@/]*@/, '//');
  redis.on('ready', () => {
    if (!up) logger.info({ redis: where }, 'session store (redis) connected');
    up = true;
  });
  redis.on('close', () => {
    if (up && !quitting) logger.warn({ redis: where }, 'session store (redis) connection lost; reconnecting');
    up = false;
  });
  redis.on('error', (e: Error) => logger.debug({ err: e.message }, 'session store (redis) error'));
  return {
    redis,
    quit: async () => {
      quitting = true;
      // quit() fails at once when the connection is down (no offline queue): then just drop it.
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

async function openStore(config: SessionStoreConfig, logger: Logger): Promise<OpenedStore> {
  switch (config.kind) {
    case 'memory':
      return { store: createMemoryStore(), close: () => Promise.resolve() };
    case 'sqlite': {
      mkdirSync(dirname(config.path), { recursive: true });
      const db = openSessionDatabase(config.path);
      return {
        store: createSqliteStore(db),
        close: () => {
          db.close();
          return Promise.resolve();
        },
      };
    }
    case 'redis': {
      const { redis, quit } = connectRedis(config.url, logger);
      try {
        await redis.connect();
      } catch (e) {
        redis.disconnect();
        const where = config.url.replace(/\/\/[^@/]*@/, '//');
        throw new Error(`sessions.store.url: cannot connect to Redis at ${where}: ${e instanceof Error ? e.message : String(e)}`);
      }
      return { store: createRedisStore(redis, config.keyPrefix), close: quit };
    }
  }
}

async function makeVerifier(config: GatewayConfig['auth'], clock: Clock): Promise<TokenVerifier> {
  const base = { issuer: config.issuer, audience: config.audience, algorithms: config.algorithms, clockSkewSec: config.clockToleranceSec, clock };
  if (config.jwks.kind === 'url') return createTokenVerifier({ ...base, jwksUrl: config.jwks.url });
  const path = config.jwks.path;
  let jwks: unknown;
  try {
    jwks = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`auth.jwksFile ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    throw new Error(`auth.jwksFile ${path}: expected a JWKS ({ "keys": [...] })`);
  }
  return createTokenVerifier({ ...base, jwks: jwks as JSONWebKeySet });
}

/** One resolver per domain (each domain has its own DNS servers); a host goes to its longest domain. */
function makeResolvers(config: GatewayConfig['resolver'], clock: Clock): { resolve: ResolveHost; close(): void } {
  const resolvers = config.domains.map((d) => ({
    domain: d.name,
    resolver: createDnsResolver({
      servers: d.dnsServers,
      clock,
      timeoutMs: config.queryTimeoutMs,
      tries: 2,
      negativeTtlMs: config.negativeTtlSec * 1000,
      maxTtlMs: config.maxTtlSec * 1000,
      minTtlMs: config.minTtlSec * 1000,
      cacheSize: 100_000,
    }),
  }));
  const byLength = [...resolvers].sort((a, b) => b.domain.length - a.domain.length);
  // Per request: no closure, and no lowered copy of a name that is already lower case (the usual).
  const pick = (host: string): DnsResolver | undefined => {
    const lower = hasUpperCase(host) ? host.toLowerCase() : host;
    for (const r of byLength) if (isWithinDomain(lower, r.domain)) return r.resolver;
    return undefined;
  };
  return {
    resolve: (host) => {
      const r = pick(host);
      if (r === undefined) return err({ kind: 'invalid-name', host, message: `${host} is not in a device domain`, cached: false });
      return r.peek(host) ?? r.resolve(host);
    },
    close: () => resolvers.forEach((r) => r.resolver.close()),
  };
}

function hasUpperCase(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

function makeLogger(level: NonNullable<StartGatewayOptions['logLevel']>): Logger {
  const p = pino({ name: 'coap-gateway', level }, pino.destination(2));
  return {
    debug: (obj, msg) => p.debug(obj, msg),
    info: (obj, msg) => p.info(obj, msg),
    warn: (obj, msg) => p.warn(obj, msg),
    error: (obj, msg) => p.error(obj, msg),
  };
}

/** Starts the gateway described by `config`; throws with a clear message when it cannot. */
export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const logger = options.logger ?? makeLogger(options.logLevel ?? 'info');
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (e) {
        logger.warn({ err: String(e) }, 'cleanup step failed');
      }
    }
  };
  try {
    const verifier = await makeVerifier(config.auth, clock);
    const opened = await openStore(config.sessions.store, logger);
    cleanups.push(() => opened.close());
    const gateways: Gateway[] = [];
    const sessions = createSessionService({
      store: opened.store,
      clock,
      random,
      logger,
      maxIdleMs: config.sessions.maxIdleMs,
      graceMs: config.sessions.graceMs,
      sweepIntervalMs: config.sessions.sweepIntervalMs,
      onClosed: (session, reason) => gateways.forEach((g) => g.sessionClosed(session, reason)),
    });
    cleanups.push(() => sessions.close());
    const resolvers = makeResolvers(config.resolver, clock);
    cleanups.push(() => resolvers.close());

    const upstreamTiming = { ...config.upstream, nstart: config.forwarding.nstartPerDevice };
    // RFC 7641 §4.5: each observer gets a CON notification at least this often.
    const limits = { observeConIntervalMs: config.observe.conNotificationIntervalMs };
    const endpoint = async (host: string, port: number, timing: object): Promise<{ endpoint: Endpoint; transport: DatagramTransport }> => {
      const transport = await bindUdp({
        host,
        port,
        receiveBufferBytes: config.udp.receiveBufferBytes,
        sendBufferBytes: config.udp.sendBufferBytes,
        onBufferLimited: (granted) => logger.warn({ host, asked: config.udp, granted }, 'UDP buffers capped by the kernel (raise net.core.rmem_max / wmem_max): bursts may be dropped'),
        onError: (e) => logger.debug({ err: e.message }, 'udp send error'),
      });
      const ep = createEndpoint({ transport, clock, random, timing, logger, limits });
      cleanups.push(() => ep.close());
      return { endpoint: ep, transport };
    };
    const upstream = (await endpoint('0.0.0.0', 0, upstreamTiming)).endpoint;
    // Mesh devices often have only IPv6 addresses (AAAA): a second socket for them, where the host has IPv6.
    const upstream6 = (await endpoint('::', 0, upstreamTiming).catch((e: unknown) => logger.warn({ err: String(e) }, 'no IPv6 upstream socket')))?.endpoint;

    const addresses: PeerAddress[] = [];
    const families = new Set<string>();
    for (const listen of config.listen) {
      const { endpoint: downstream, transport } = await endpoint(listen.host, listen.port, config.client);
      addresses.push(transport.local);
      const family = listen.host.includes(':') ? '6' : '4';
      // Only one listener per address family tells clients their session closed (no double 5.03).
      const speaks = !families.has(family);
      families.add(family);
      gateways.push(
        createGateway({
          downstream,
          upstream,
          ...(upstream6 === undefined ? {} : { upstream6 }),
          sessions,
          verifier,
          resolve: resolvers.resolve,
          announcesSessionClose: speaks,
          clock,
          random,
          logger,
          settings: {
            localNames: config.local.names,
            domains: config.resolver.domains.map((d) => d.name),
            allowIpLiterals: config.resolver.allowIpLiterals,
            strictOptions: config.forwarding.strictOptions,
            upstreamDeadlineMs: config.forwarding.upstreamDeadlineMs,
            nstartPerDevice: config.forwarding.nstartPerDevice,
            deviceQueueLimit: config.forwarding.deviceQueueLimit,
            queueFullMaxAgeSec: config.forwarding.queueFullMaxAgeSec,
            maxInFlight: config.forwarding.maxInFlight,
            defaultHopLimit: config.forwarding.defaultHopLimit,
            clientRequestsPerSec: config.forwarding.clientRequestsPerSec,
            clientBurst: config.forwarding.clientBurst,
            sessionLimit: config.sessions.limitPerAccount,
            cacheEnabled: config.cache.enabled,
            cacheMaxEntries: config.cache.maxEntries,
            cacheMaxBytes: config.cache.maxBytes,
          },
        }),
      );
    }
    // Gateways stop before the endpoints and the store close (cleanups run in reverse).
    cleanups.push(() => Promise.all(gateways.map((g) => g.close())).then(() => undefined));
    logger.info({ listen: addresses, domains: config.resolver.domains.map((d) => d.name), store: config.sessions.store.kind }, 'gateway started');
    return {
      port: addresses[0]?.port ?? 0,
      addresses,
      gateways,
      sessions,
      close: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
