// parseConfig: untrusted parsed JSON/YAML -> a validated, deep-frozen GatewayConfig, or every error by field.
import { isIP } from 'node:net';
import { type Result, ok, err } from '../base/index.js';
import { FieldReader, isObject, type RawObject } from './field-reader.js';
import {
  CONFIG_DEFAULTS as D,
  type AuthConfig,
  type DomainConfig,
  type GatewayConfig,
  type JwksSource,
  type ListenAddress,
  type SessionStoreConfig,
  type TimingConfig,
} from './gateway-config.js';

const TOP_KEYS = ['listen', 'local', 'resolver', 'forwarding', 'client', 'upstream', 'sessions', 'auth', 'observe', 'cache', 'udp'];
const DAY_MS = 86_400_000;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function parseConfig(raw: unknown): Result<GatewayConfig, readonly string[]> {
  const r = new FieldReader();
  if (raw !== undefined && raw !== null && !isObject(raw)) return err(['(top level): expected an object']);
  const top: RawObject = isObject(raw) ? raw : {};
  r.checkKnown(top, '', TOP_KEYS);
  const config: GatewayConfig = {
    listen: readListen(r, top),
    local: readLocal(r, top),
    resolver: readResolver(r, top),
    forwarding: readForwarding(r, top),
    client: {
      ...readTiming(r, top, 'client', D.client),
      piggybackWindowMs: r.durationMs(
        r.object(top, 'client', 'client', [...TIMING_KEYS, 'piggybackWindowMs']),
        'piggybackWindowMs',
        'client.piggybackWindowMs',
        D.client.piggybackWindowMs,
        0,
        1500,
      ),
    },
    upstream: readTiming(r, top, 'upstream', D.upstream),
    sessions: readSessions(r, top),
    auth: readAuth(r, top),
    observe: {
      conNotificationIntervalMs: r.durationMs(
        r.object(top, 'observe', 'observe', ['conNotificationIntervalMs']),
        'conNotificationIntervalMs',
        'observe.conNotificationIntervalMs',
        D.observe.conNotificationIntervalMs,
        1000,
        DAY_MS,
      ),
    },
    cache: readCache(r, top),
    udp: readUdp(r, top),
  };
  if (r.errors.length > 0) return err([...new Set(r.errors)]);
  return ok(deepFreeze(config));
}

function readUdp(r: FieldReader, top: RawObject): GatewayConfig['udp'] {
  const U = D.udp;
  const o = r.object(top, 'udp', 'udp', Object.keys(U));
  return {
    receiveBufferBytes: r.int(o, 'receiveBufferBytes', 'udp.receiveBufferBytes', U.receiveBufferBytes, 4096, 1024 * 1024 * 1024),
    sendBufferBytes: r.int(o, 'sendBufferBytes', 'udp.sendBufferBytes', U.sendBufferBytes, 4096, 1024 * 1024 * 1024),
  };
}

function readCache(r: FieldReader, top: RawObject): GatewayConfig['cache'] {
  const C = D.cache;
  const o = r.object(top, 'cache', 'cache', Object.keys(C));
  return {
    enabled: r.bool(o, 'enabled', 'cache.enabled', C.enabled),
    maxEntries: r.int(o, 'maxEntries', 'cache.maxEntries', C.maxEntries, 1, 10_000_000),
    maxBytes: r.int(o, 'maxBytes', 'cache.maxBytes', C.maxBytes, 1024, 16 * 1024 * 1024 * 1024),
  };
}

function readListen(r: FieldReader, top: RawObject): readonly ListenAddress[] {
  const value = top['listen'];
  if (value === undefined || value === null) return D.listen;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0) r.fail('listen', 'expected at least one address');
  return list.map((item, i) => {
    const path = `listen[${i}]`;
    if (!isObject(item)) {
      r.fail(path, 'expected { host, port }');
      return D.listen[0];
    }
    r.checkKnown(item, path, ['host', 'port']);
    const host = r.string(item, 'host', `${path}.host`) ?? '0.0.0.0';
    if (isIP(host) === 0) r.fail(`${path}.host`, `"${host}" is not an IPv4 or IPv6 address`);
    return { host, port: r.int(item, 'port', `${path}.port`, 5683, 0, 65535) };
  });
}

function readLocal(r: FieldReader, top: RawObject): GatewayConfig['local'] {
  const o = r.object(top, 'local', 'local', ['names']);
  return { names: r.stringList(o, 'names', 'local.names', D.local.names).map((n) => n.toLowerCase()) };
}

function readResolver(r: FieldReader, top: RawObject): GatewayConfig['resolver'] {
  const keys = ['domains', 'dnsServers', 'allowIpLiterals', 'minTtlSec', 'maxTtlSec', 'negativeTtlSec', 'queryTimeoutMs'];
  const o = r.object(top, 'resolver', 'resolver', keys);
  const shared = r.stringList(o, 'dnsServers', 'resolver.dnsServers', []);
  shared.forEach((s, i) => checkDnsServer(r, `resolver.dnsServers[${i}]`, s));
  const rawDomains = o['domains'] ?? [];
  const domains: DomainConfig[] = [];
  if (!Array.isArray(rawDomains)) r.fail('resolver.domains', 'expected a list');
  else {
    rawDomains.forEach((item: unknown, i) => {
      const path = `resolver.domains[${i}]`;
      const d = typeof item === 'string' ? { name: item } : item;
      if (!isObject(d)) return r.fail(path, 'expected a domain name or { name, dnsServers }');
      r.checkKnown(d, path, ['name', 'dnsServers']);
      const name = (r.string(d, 'name', `${path}.name`) ?? '').toLowerCase().replace(/\.$/, '');
      if (!HOST_NAME.test(name)) r.fail(`${path}.name`, `"${name}" is not a domain name`);
      const servers = r.stringList(d, 'dnsServers', `${path}.dnsServers`, shared);
      servers.forEach((s, j) => checkDnsServer(r, `${path}.dnsServers[${j}]`, s));
      if (servers.length === 0) r.fail(`${path}.dnsServers`, 'no DNS server for this domain (set it here or resolver.dnsServers)');
      domains.push({ name, dnsServers: servers });
    });
  }
  const minTtlSec = r.int(o, 'minTtlSec', 'resolver.minTtlSec', D.resolver.minTtlSec, 0, 86_400);
  const maxTtlSec = r.int(o, 'maxTtlSec', 'resolver.maxTtlSec', D.resolver.maxTtlSec, 0, 7 * 86_400);
  if (maxTtlSec < minTtlSec) r.fail('resolver.maxTtlSec', 'must not be below resolver.minTtlSec');
  return {
    domains,
    allowIpLiterals: r.bool(o, 'allowIpLiterals', 'resolver.allowIpLiterals', D.resolver.allowIpLiterals),
    minTtlSec,
    maxTtlSec,
    negativeTtlSec: r.int(o, 'negativeTtlSec', 'resolver.negativeTtlSec', D.resolver.negativeTtlSec, 0, 3600),
    queryTimeoutMs: r.durationMs(o, 'queryTimeoutMs', 'resolver.queryTimeoutMs', D.resolver.queryTimeoutMs, 10, 60_000),
  };
}

/** `ip`, `ip:port` or `[ipv6]:port`, the forms dns.promises.Resolver#setServers accepts. */
function checkDnsServer(r: FieldReader, path: string, server: string): void {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(server) ?? /^([^:]+)(?::(\d+))?$/.exec(server);
  const host = m?.[1] ?? server;
  const port = m?.[2] === undefined ? 53 : Number(m[2]);
  if (isIP(host) === 0 || port < 1 || port > 65535) r.fail(path, `"${server}" is not ip, ip:port or [ipv6]:port`);
}

function readForwarding(r: FieldReader, top: RawObject): GatewayConfig['forwarding'] {
  const F = D.forwarding;
  const o = r.object(top, 'forwarding', 'forwarding', Object.keys(F));
  return {
    strictOptions: r.bool(o, 'strictOptions', 'forwarding.strictOptions', F.strictOptions),
    upstreamDeadlineMs: r.durationMs(o, 'upstreamDeadlineMs', 'forwarding.upstreamDeadlineMs', F.upstreamDeadlineMs, 100, 600_000),
    nstartPerDevice: r.int(o, 'nstartPerDevice', 'forwarding.nstartPerDevice', F.nstartPerDevice, 1, 16),
    deviceQueueLimit: r.int(o, 'deviceQueueLimit', 'forwarding.deviceQueueLimit', F.deviceQueueLimit, 0, 10_000),
    queueFullMaxAgeSec: r.int(o, 'queueFullMaxAgeSec', 'forwarding.queueFullMaxAgeSec', F.queueFullMaxAgeSec, 0, 3600),
    maxInFlight: r.int(o, 'maxInFlight', 'forwarding.maxInFlight', F.maxInFlight, 1, 10_000_000),
    defaultHopLimit: r.int(o, 'defaultHopLimit', 'forwarding.defaultHopLimit', F.defaultHopLimit, 1, 255),
    clientRequestsPerSec: r.number(o, 'clientRequestsPerSec', 'forwarding.clientRequestsPerSec', F.clientRequestsPerSec, 0, 1_000_000),
    clientBurst: r.int(o, 'clientBurst', 'forwarding.clientBurst', F.clientBurst, 1, 1_000_000),
  };
}

const TIMING_KEYS = ['ackTimeoutMs', 'ackRandomFactor', 'maxRetransmit'];

function readTiming(r: FieldReader, top: RawObject, key: 'client' | 'upstream', fallback: TimingConfig): TimingConfig {
  const extra = key === 'client' ? ['piggybackWindowMs'] : [];
  const o = r.object(top, key, key, [...TIMING_KEYS, ...extra]);
  return {
    // RFC 7252 §4.8.1: ACK_TIMEOUT below 1 s needs congestion control we do not have; refused.
    ackTimeoutMs: r.durationMs(o, 'ackTimeoutMs', `${key}.ackTimeoutMs`, fallback.ackTimeoutMs, 1000, 60_000),
    // RFC 7252 §4.8.1: ACK_RANDOM_FACTOR MUST NOT be below 1.0.
    ackRandomFactor: r.number(o, 'ackRandomFactor', `${key}.ackRandomFactor`, fallback.ackRandomFactor, 1, 4),
    maxRetransmit: r.int(o, 'maxRetransmit', `${key}.maxRetransmit`, fallback.maxRetransmit, 0, 10),
  };
}

function readSessions(r: FieldReader, top: RawObject): GatewayConfig['sessions'] {
  const S = D.sessions;
  const o = r.object(top, 'sessions', 'sessions', Object.keys(S));
  return {
    limitPerAccount: r.int(o, 'limitPerAccount', 'sessions.limitPerAccount', S.limitPerAccount, 1, 100_000),
    maxIdleMs: r.durationMs(o, 'maxIdleMs', 'sessions.maxIdleMs', S.maxIdleMs, 1000, 30 * DAY_MS),
    graceMs: r.durationMs(o, 'graceMs', 'sessions.graceMs', S.graceMs, 0, DAY_MS),
    sweepIntervalMs: r.durationMs(o, 'sweepIntervalMs', 'sessions.sweepIntervalMs', S.sweepIntervalMs, 100, DAY_MS),
    store: readStore(r, o),
  };
}

function readStore(r: FieldReader, sessions: RawObject): SessionStoreConfig {
  const raw = sessions['store'];
  if (raw === undefined || raw === null) return D.sessions.store;
  const o = typeof raw === 'string' ? { kind: raw } : raw;
  if (!isObject(o)) {
    r.fail('sessions.store', 'expected "memory", "sqlite", "redis" or { kind, ... }');
    return D.sessions.store;
  }
  r.checkKnown(o, 'sessions.store', ['kind', 'path', 'url', 'keyPrefix']);
  switch (o['kind']) {
    case 'memory':
      return { kind: 'memory' };
    case 'sqlite':
      return { kind: 'sqlite', path: r.string(o, 'path', 'sessions.store.path') ?? D.sessions.store.path };
    case 'redis': {
      const url = r.string(o, 'url', 'sessions.store.url') ?? 'redis://127.0.0.1:6379';
      if (!/^rediss?:\/\//.test(url)) r.fail('sessions.store.url', 'expected redis://host:port');
      return { kind: 'redis', url, keyPrefix: r.string(o, 'keyPrefix', 'sessions.store.keyPrefix') ?? 'coap-gateway:' };
    }
    default:
      r.fail('sessions.store.kind', 'expected "memory", "sqlite" or "redis"');
      return D.sessions.store;
  }
}

function readAuth(r: FieldReader, top: RawObject): AuthConfig {
  const keys = ['jwksFile', 'jwksUrl', 'issuer', 'audience', 'algorithms', 'clockToleranceSec'];
  const o = r.object(top, 'auth', 'auth', keys);
  const file = r.string(o, 'jwksFile', 'auth.jwksFile');
  const url = r.string(o, 'jwksUrl', 'auth.jwksUrl');
  let jwks: JwksSource = { kind: 'file', path: '' };
  if ((file === undefined) === (url === undefined)) r.fail('auth', 'set exactly one of auth.jwksFile or auth.jwksUrl');
  else if (file !== undefined) jwks = { kind: 'file', path: file };
  else if (url !== undefined) {
    if (!/^https?:\/\//.test(url)) r.fail('auth.jwksUrl', 'expected an http:// or https:// URL');
    jwks = { kind: 'url', url };
  }
  const algorithms = r.stringList(o, 'algorithms', 'auth.algorithms', D.auth.algorithms);
  // RFC 8725 §3.1: an allow-list of algorithms; "none" is never acceptable.
  if (algorithms.some((a) => a.toLowerCase() === 'none')) r.fail('auth.algorithms', '"none" is not allowed');
  if (algorithms.length === 0) r.fail('auth.algorithms', 'expected at least one algorithm');
  const issuer = r.string(o, 'issuer', 'auth.issuer');
  if (issuer === undefined && o['issuer'] === undefined) r.fail('auth.issuer', 'required: the token service issuer (iss)');
  const audience = r.string(o, 'audience', 'auth.audience') ?? D.auth.audience;
  return {
    jwks,
    issuer: issuer ?? '',
    audience,
    algorithms,
    clockToleranceSec: r.int(o, 'clockToleranceSec', 'auth.clockToleranceSec', D.auth.clockToleranceSec, 0, 600),
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
