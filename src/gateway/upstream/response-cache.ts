// ResponseCache: RFC 7252 §5.6 proxy cache of device responses (freshness by Max-Age, ETag validation), bounded LRU.
import type { Clock } from '../../base/index.js';
import { Code, OptionNumber, decodeUint, encodeUint, isNoCacheKey, isUnsafe, type CoapOption } from '../../coap/index.js';
import type { ResponseParts } from '../errors.js';
import type { UpstreamRequest } from '../translate.js';

/** RFC 7252 §5.10.5: without Max-Age a response is fresh for 60 s. */
const DEFAULT_MAX_AGE_SEC = 60;

/** Options that never split cache entries: hop-by-hop, handled by the cache, or Uri-* (already in the URI). */
const NOT_IN_KEY: ReadonlySet<number> = new Set([
  OptionNumber.URI_HOST,
  OptionNumber.URI_PORT,
  OptionNumber.URI_PATH,
  OptionNumber.URI_QUERY,
  OptionNumber.ETAG, // RFC 7252 §5.6: the cache validates ETags itself
  OptionNumber.HOP_LIMIT, // the gateway understands it: it never changes the representation
  OptionNumber.OBSERVE,
]);

interface Entry {
  readonly key: string;
  readonly uri: string;
  code: number;
  /** The stored options without Max-Age (set per answer from the remaining freshness). */
  options: readonly CoapOption[];
  payload: Buffer;
  etag: Buffer | undefined;
  storedAtMs: number;
  maxAgeMs: number;
  readonly bytes: number;
}

export interface CacheHit {
  readonly fresh: boolean;
  readonly etag: Buffer | undefined;
}

export interface CacheStats {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly revalidated: number;
}

function maxAgeOf(options: readonly CoapOption[]): number {
  const o = options.find((x) => x.number === OptionNumber.MAX_AGE);
  return (o === undefined ? DEFAULT_MAX_AGE_SEC : decodeUint(o.value)) * 1000;
}

export class ResponseCache {
  /** Insertion order = recency: a hit moves the entry to the end, eviction takes the front. */
  private readonly entries = new Map<string, Entry>();
  private readonly byUri = new Map<string, Set<string>>();
  private bytes = 0;
  private counters = { hits: 0, misses: 0, revalidated: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** RFC 7252 §5.6: the cache key (method, target URI, cache-key options); undefined when not cacheable. */
  keyOf(request: UpstreamRequest, uri: string): string | undefined {
    if (request.code !== Code.GET) return undefined;
    let key = uri;
    for (const o of request.options) {
      if (NOT_IN_KEY.has(o.number)) continue;
      // RFC 7252 §5.4.6: NoCacheKey options of the safe-to-forward kind do not split entries.
      if (!isUnsafe(o.number) && isNoCacheKey(o.number)) continue;
      key += `|${o.number}=${o.value.toString('hex')}`;
    }
    return key;
  }

  /** The stored entry's state, if any (the caller decides: serve, revalidate or forward). */
  peek(key: string): CacheHit | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    return { fresh: this.remainingMs(e) > 0, etag: e.etag };
  }

  /**
   * The stored response with Max-Age = what is left of its freshness (RFC 7252 §5.6.1: never extended),
   * or 2.03 with the ETag when the client already holds that representation (§5.10.6.2).
   */
  serve(key: string, clientEtags: readonly Buffer[]): ResponseParts | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    const remaining = this.remainingMs(e);
    if (remaining <= 0) return undefined;
    this.counters.hits++;
    this.entries.delete(key);
    this.entries.set(key, e);
    const maxAge: CoapOption = { number: OptionNumber.MAX_AGE, value: encodeUint(Math.floor(remaining / 1000)) };
    const etag = e.etag;
    if (etag !== undefined && clientEtags.some((t) => t.equals(etag))) {
      return { code: Code.VALID, options: sortOptions([{ number: OptionNumber.ETAG, value: etag }, maxAge]), payload: Buffer.alloc(0) };
    }
    return { code: e.code, options: sortOptions([...e.options, maxAge]), payload: e.payload };
  }

  /** Stores a 2.05 (RFC 7252 §5.9.1.4); Max-Age 0 is never stored (§5.6.1). Returns whether it was stored. */
  store(key: string, uri: string, response: ResponseParts): boolean {
    this.counters.misses++;
    if (response.code !== Code.CONTENT) return false;
    const maxAgeMs = maxAgeOf(response.options);
    if (maxAgeMs <= 0) {
      this.remove(key);
      return false;
    }
    const bytes = response.payload.length + response.options.reduce((n, o) => n + o.value.length + 4, 0) + key.length + 64;
    if (bytes > this.maxBytes / 8) return false;
    this.remove(key);
    const etag = response.options.find((o) => o.number === OptionNumber.ETAG)?.value;
    const entry: Entry = {
      key,
      uri,
      code: response.code,
      options: response.options.filter((o) => o.number !== OptionNumber.MAX_AGE).map((o) => ({ number: o.number, value: Buffer.from(o.value) })),
      payload: Buffer.from(response.payload),
      etag: etag === undefined ? undefined : Buffer.from(etag),
      storedAtMs: this.clock.now(),
      maxAgeMs,
      bytes,
    };
    this.entries.set(key, entry);
    let set = this.byUri.get(uri);
    if (set === undefined) {
      set = new Set();
      this.byUri.set(uri, set);
    }
    set.add(key);
    this.bytes += bytes;
    this.evict();
    return true;
  }

  /**
   * RFC 7252 §5.6.2 / §5.9.1.3: a 2.03 for the stored ETag makes the entry fresh again with the new
   * Max-Age, and its safe-to-forward options are replaced by the 2.03's.
   */
  revalidated(key: string, response: ResponseParts): boolean {
    const e = this.entries.get(key);
    const etag = response.options.find((o) => o.number === OptionNumber.ETAG)?.value;
    if (e === undefined || e.etag === undefined || etag === undefined || !etag.equals(e.etag)) return false;
    this.counters.revalidated++;
    const updated = new Map<number, CoapOption[]>();
    for (const o of response.options) {
      if (o.number === OptionNumber.MAX_AGE || isUnsafe(o.number)) continue;
      updated.set(o.number, [...(updated.get(o.number) ?? []), o]);
    }
    e.options = sortOptions([...e.options.filter((o) => !updated.has(o.number)), ...[...updated.values()].flat()]);
    e.maxAgeMs = maxAgeOf(response.options);
    e.storedAtMs = this.clock.now();
    return true;
  }

  /** RFC 7252 §5.6 / §5.9.1: an unsafe request on a target makes every entry of it stale; they go. */
  invalidate(uri: string): void {
    const keys = this.byUri.get(uri);
    if (keys === undefined) return;
    for (const k of [...keys]) this.remove(k);
  }

  stats(): CacheStats {
    return { entries: this.entries.size, bytes: this.bytes, ...this.counters };
  }

  clear(): void {
    this.entries.clear();
    this.byUri.clear();
    this.bytes = 0;
  }

  private remainingMs(e: Entry): number {
    return e.maxAgeMs - (this.clock.now() - e.storedAtMs);
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.bytes -= e.bytes;
    const set = this.byUri.get(e.uri);
    set?.delete(key);
    if (set !== undefined && set.size === 0) this.byUri.delete(e.uri);
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) return;
      this.remove(oldest.value);
    }
  }
}

function sortOptions(options: readonly CoapOption[]): CoapOption[] {
  return [...options].sort((a, b) => a.number - b.number);
}
