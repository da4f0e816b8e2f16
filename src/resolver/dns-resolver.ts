// DNS resolver for device names: AAAA and A in parallel, TTL cache with floor/ceiling, negative cache, single-flight.
import type { Clock, Result, TimerHandle } from '../base/index.js';
import { BoundedMap, ok, err } from '../base/index.js';
import { channel } from '../telemetry/index.js';
import { normalizeHostName, parseIpLiteral } from './host-name.js';
import { createLookupGate } from './lookup-gate.js';
import { createNodeDnsLookup, parseDnsServer } from './node-dns-lookup.js';
import type { DnsServer } from './node-dns-lookup.js';
import { describeFailure, worseFailure } from './resolution.js';
import type { DnsLookup, LookupResult, Resolution, ResolveFailure, ResolveFailureKind } from './resolution.js';

export interface DnsResolverOptions {
  /** DNS servers as `ip`, `ip:port` or `[ipv6]:port`, asked in order. */
  readonly servers: readonly string[];
  readonly clock: Clock;
  /** c-ares' per-try timeout in ms. */
  readonly timeoutMs: number;
  /** Tries per server. */
  readonly tries: number;
  /** How long a failure (any kind) is remembered, in ms. */
  readonly negativeTtlMs: number;
  /** Ceiling and floor applied to record TTLs, in ms. */
  readonly maxTtlMs: number;
  readonly minTtlMs: number;
  /** Most names remembered (answers and failures); the least recently used go first. */
  readonly cacheSize: number;
  /** Prefer an AAAA answer over an A answer (default true). */
  readonly preferIpv6?: boolean;
  /**
   * Most names looked up at once (default 256); more wait their turn. A burst of thousands of new names
   * would otherwise overflow the DNS server's receive buffer and turn into retries after timeouts.
   */
  readonly maxInFlight?: number;
  /** Replaces the c-ares lookup (tests, custom transports). */
  readonly lookup?: DnsLookup;
  /**
   * Hard limit on one resolution, in ms, enforced on `clock` whatever the lookup does.
   * Default: what c-ares can spend, timeoutMs × (2^tries − 1) per server, plus one timeoutMs.
   */
  readonly deadlineMs?: number;
}

export interface ResolverStats {
  /** Resolutions that went to DNS (each sends an A and an AAAA query). */
  readonly lookups: number;
  /** Answers served from the cache. */
  readonly cacheHits: number;
  /** Failures served from the negative cache. */
  readonly negativeHits: number;
  /** Callers that joined a lookup already in flight for the same name. */
  readonly coalesced: number;
  /** Names waiting for a lookup slot (see maxInFlight). */
  readonly queued: number;
  /** Fresh failures by kind. */
  readonly failures: Readonly<Record<ResolveFailureKind, number>>;
  readonly cacheSize: number;
  readonly inFlight: number;
}

export interface DnsResolver {
  /** Resolves a host name or IP literal; never rejects. */
  resolve(host: string): Promise<Result<Resolution, ResolveFailure>>;
  /** The cached answer for a host already in normal form, synchronously; undefined when not cached (call resolve). */
  peek(host: string): Result<Resolution, ResolveFailure> | undefined;
  /** Drops what is cached for a name (e.g. after its device stopped answering at the cached address). */
  forget(host: string): void;
  stats(): ResolverStats;
  /** Cancels lookups in flight (their callers get `error`), clears the cache; later calls fail with `error`. */
  close(): void;
}

/** Published on `coap-gateway:resolver.lookup` after every resolution that went to DNS. */
export interface ResolverLookupEvent {
  readonly name: string;
  readonly ok: boolean;
  readonly kind: ResolveFailureKind | undefined;
  readonly family: 4 | 6 | undefined;
  readonly durationMs: number;
}
export const resolverLookupChannel = channel<ResolverLookupEvent>('resolver.lookup');

type Outcome = Result<{ address: string; family: 4 | 6; ttlMs: number }, { kind: ResolveFailureKind; message: string }>;

interface CacheEntry {
  readonly expiresAt: number;
  readonly outcome: Outcome;
  /** When the entry last moved to the young end of the LRU order. */
  touchedAt: number;
}

/** A hit moves its entry to the young end at most this often: one Map delete+set per second, not per request. */
const TOUCH_INTERVAL_MS = 1000;

/** Validates the options; throws TypeError with a clear message on a configuration mistake. */
export function createDnsResolver(options: DnsResolverOptions): DnsResolver {
  const servers = checkOptions(options);
  const serversText = servers.map((s) => s.text).join(', ');
  const { clock } = options;
  const preferIpv6 = options.preferIpv6 ?? true;
  const node = options.lookup === undefined ? createNodeDnsLookup({ servers, timeoutMs: options.timeoutMs, tries: options.tries }) : undefined;
  const lookup: DnsLookup = options.lookup ?? (node as { lookup: DnsLookup }).lookup;
  const deadlineMs = options.deadlineMs ?? options.timeoutMs * (2 ** options.tries - 1) * servers.length + options.timeoutMs;

  const cache = new BoundedMap<string, CacheEntry>(options.cacheSize);
  const gate = createLookupGate(options.maxInFlight ?? 256);
  const inFlight = new Map<string, Promise<Outcome>>();
  const aborts = new Set<() => void>();
  let closed = false;
  const counters = { lookups: 0, cacheHits: 0, negativeHits: 0, coalesced: 0 };
  const failures: Record<ResolveFailureKind, number> = {
    nxdomain: 0, nodata: 0, servfail: 0, refused: 0, timeout: 0, unreachable: 0, 'invalid-name': 0, error: 0,
  };

  const failure = (host: string, kind: ResolveFailureKind, message: string, cached: boolean): Result<Resolution, ResolveFailure> =>
    err({ kind, host, message, cached });

  function fromOutcome(host: string, outcome: Outcome, expiresAt: number, cached: boolean): Result<Resolution, ResolveFailure> {
    if (!outcome.ok) return failure(host, outcome.error.kind, outcome.error.message, cached);
    const ttlSec = cached ? Math.max(0, Math.floor((expiresAt - clock.now()) / 1000)) : Math.floor(outcome.value.ttlMs / 1000);
    return ok({ address: outcome.value.address, family: outcome.value.family, ttlSec, source: cached ? 'cache' : 'dns' });
  }

  async function safeLookup(name: string, family: 4 | 6): Promise<LookupResult> {
    try {
      return await lookup(name, family);
    } catch (e) {
      return err({ kind: 'error', detail: e instanceof Error ? e.message : 'lookup failed' });
    }
  }

  // RFC 6724-style preference: the preferred family's answer wins when it has records; the other is a fallback.
  async function queryBoth(name: string): Promise<Outcome> {
    const first: 4 | 6 = preferIpv6 ? 6 : 4;
    const second: 4 | 6 = preferIpv6 ? 4 : 6;
    const p1 = safeLookup(name, first);
    const p2 = safeLookup(name, second);
    const r1 = await p1;
    const chosen1 = pick(r1, first);
    if (chosen1 !== undefined) return chosen1;
    const r2 = await p2;
    const chosen2 = pick(r2, second);
    if (chosen2 !== undefined) return chosen2;
    const k1 = r1.ok ? 'nodata' : r1.error.kind;
    const k2 = r2.ok ? 'nodata' : r2.error.kind;
    const kind = worseFailure(k1, k2);
    const detail = !r1.ok && r1.error.kind === kind ? r1.error.detail : !r2.ok && r2.error.kind === kind ? r2.error.detail : '';
    return err({ kind, message: describeFailure(kind, name, serversText, detail) });
  }

  function pick(r: LookupResult, family: 4 | 6): Outcome | undefined {
    if (!r.ok || r.value.length === 0) return undefined;
    const first = r.value[0] as { address: string; ttl: number };
    let ttl = first.ttl;
    for (const rec of r.value) ttl = Math.min(ttl, rec.ttl);
    const ttlMs = Math.min(options.maxTtlMs, Math.max(options.minTtlMs, (Number.isFinite(ttl) ? Math.max(0, ttl) : 0) * 1000));
    return ok({ address: first.address, family, ttlMs });
  }

  // The deadline runs on the injected clock, so a lookup that never settles still ends (and tests need no sleeps).
  function withDeadline(name: string, work: Promise<Outcome>): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let timer: TimerHandle | undefined;
      const finish = (outcome: Outcome): void => {
        if (!aborts.delete(abort)) return;
        if (timer !== undefined) clock.clearTimer(timer);
        resolve(outcome);
      };
      const abort = (): void => finish(err({ kind: 'error', message: describeFailure('error', name, serversText, 'resolver closed') }));
      aborts.add(abort);
      timer = clock.setTimer(() => {
        timer = undefined;
        finish(err({ kind: 'timeout', message: describeFailure('timeout', name, serversText, `within ${deadlineMs} ms`) }));
      }, deadlineMs);
      void work.then(finish);
    });
  }

  async function lookupAndCache(name: string): Promise<Outcome> {
    await gate.acquire();
    let outcome: Outcome;
    const started = clock.now();
    try {
      if (closed) {
        outcome = err({ kind: 'error', message: describeFailure('error', name, serversText, 'resolver closed') });
      } else {
        counters.lookups++;
        outcome = await withDeadline(name, queryBoth(name));
      }
    } finally {
      gate.release();
    }
    inFlight.delete(name);
    if (!outcome.ok) failures[outcome.error.kind]++;
    if (!closed) {
      const lifetimeMs = outcome.ok ? outcome.value.ttlMs : options.negativeTtlMs;
      if (lifetimeMs > 0) cache.set(name, { expiresAt: clock.now() + lifetimeMs, outcome, touchedAt: clock.now() });
    }
    if (resolverLookupChannel.hasSubscribers) {
      resolverLookupChannel.publish({
        name,
        ok: outcome.ok,
        kind: outcome.ok ? undefined : outcome.error.kind,
        family: outcome.ok ? outcome.value.family : undefined,
        durationMs: clock.now() - started,
      });
    }
    return outcome;
  }

  /** A fresh cache entry for `name` (already normal form), kept in approximate LRU order; else undefined. */
  function cachedEntry(name: string): CacheEntry | undefined {
    const entry = cache.get(name);
    if (entry === undefined) return undefined;
    const now = clock.now();
    if (entry.expiresAt <= now) {
      cache.delete(name);
      return undefined;
    }
    if (now - entry.touchedAt >= TOUCH_INTERVAL_MS) {
      // Re-inserting keeps the BoundedMap's insertion order least-recently-used first.
      entry.touchedAt = now;
      cache.delete(name);
      cache.set(name, entry);
    }
    if (entry.outcome.ok) counters.cacheHits++;
    else counters.negativeHits++;
    return entry;
  }

  async function resolve(host: string): Promise<Result<Resolution, ResolveFailure>> {
    if (typeof host !== 'string') return failure(String(host), 'invalid-name', describeFailure('invalid-name', '', serversText, 'not text'), false);
    // Hot path: a host already in normal form (lower case, no trailing dot) that is cached.
    const direct = closed ? undefined : cachedEntry(host);
    if (direct !== undefined) return fromOutcome(host, direct.outcome, direct.expiresAt, true);
    // The gateway decides whether literals are allowed; here they simply resolve to themselves.
    const literal = parseIpLiteral(host);
    if (literal !== undefined) return ok({ ...literal, ttlSec: Math.floor(options.maxTtlMs / 1000), source: 'literal' });
    const normalized = normalizeHostName(host);
    if (!normalized.ok) {
      failures['invalid-name']++;
      return failure(host, 'invalid-name', describeFailure('invalid-name', host, serversText, normalized.error), false);
    }
    const name = normalized.value;
    if (closed) return failure(host, 'error', describeFailure('error', host, serversText, 'resolver closed'), false);
    const entry = name === host ? undefined : cachedEntry(name);
    if (entry !== undefined) return fromOutcome(host, entry.outcome, entry.expiresAt, true);
    let pending = inFlight.get(name);
    if (pending === undefined) {
      pending = lookupAndCache(name);
      inFlight.set(name, pending);
    } else {
      counters.coalesced++;
    }
    return fromOutcome(host, await pending, 0, false);
  }

  return {
    resolve,
    peek(host) {
      if (closed || typeof host !== 'string') return undefined;
      const entry = cachedEntry(host);
      return entry === undefined ? undefined : fromOutcome(host, entry.outcome, entry.expiresAt, true);
    },
    forget(host) {
      const n = normalizeHostName(host);
      if (n.ok) cache.delete(n.value);
    },
    stats: () => ({ ...counters, queued: gate.waiting, failures: { ...failures }, cacheSize: cache.size, inFlight: inFlight.size }),
    close() {
      if (closed) return;
      closed = true;
      node?.cancel();
      for (const abort of [...aborts]) abort();
      cache.clear();
    },
  };
}

function checkOptions(o: DnsResolverOptions): DnsServer[] {
  if (!Array.isArray(o.servers) || o.servers.length === 0) throw new TypeError('resolver: at least one DNS server is needed');
  const servers: DnsServer[] = [];
  for (const s of o.servers) {
    const parsed = parseDnsServer(s);
    if (!parsed.ok) throw new TypeError(`resolver: ${parsed.error}`);
    servers.push(parsed.value);
  }
  const positive: Array<[string, number]> = [['timeoutMs', o.timeoutMs], ['tries', o.tries], ['cacheSize', o.cacheSize], ['maxInFlight', o.maxInFlight ?? 1]];
  for (const [key, v] of positive) {
    if (!(Number.isFinite(v) && v > 0)) throw new TypeError(`resolver: ${key} must be a positive number (got ${v})`);
  }
  const nonNegative: Array<[string, number]> = [['negativeTtlMs', o.negativeTtlMs], ['minTtlMs', o.minTtlMs], ['maxTtlMs', o.maxTtlMs]];
  for (const [key, v] of nonNegative) {
    if (!(Number.isFinite(v) && v >= 0)) throw new TypeError(`resolver: ${key} must be zero or more (got ${v})`);
  }
  if (o.minTtlMs > o.maxTtlMs) throw new TypeError(`resolver: minTtlMs (${o.minTtlMs}) exceeds maxTtlMs (${o.maxTtlMs})`);
  if (o.deadlineMs !== undefined && !(Number.isFinite(o.deadlineMs) && o.deadlineMs > 0)) {
    throw new TypeError(`resolver: deadlineMs must be a positive number (got ${o.deadlineMs})`);
  }
  return servers;
}
