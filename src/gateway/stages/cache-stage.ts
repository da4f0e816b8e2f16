// Cache stage: GETs served from the response cache, identical concurrent GETs coalesced, unsafe methods invalidate.
import { Code, OptionNumber, getOptions, hasOption } from '../../coap/index.js';
import type { ResponseParts } from '../errors.js';
import type { UpstreamRequest } from '../translate.js';
import type { ResponseCache } from '../upstream/response-cache.js';

export type Forward = (request: UpstreamRequest) => Promise<ResponseParts>;

/** RFC 7252 §5.8 / RFC 8132: the methods that change the target (its stored responses become stale). */
const UNSAFE: ReadonlySet<number> = new Set([Code.POST, Code.PUT, Code.DELETE, Code.PATCH, Code.IPATCH]);

/** Finished keys kept before one pass forgets them all (see inFlight). */
const FORGET_AT = 1024;

export class CacheStage {
  /**
   * Fetches in flight by coalescing key; null once finished. A finished key is not deleted at once:
   * deleting from a long-lived Map that swings between empty and a few entries rebuilds its table
   * every few requests, in old space (see engine/number-table.ts). Overwriting a key reuses its entry;
   * the finished keys are forgotten together when there are FORGET_AT of them beyond the live ones.
   */
  private readonly inFlight = new Map<string, Promise<ResponseParts> | null>();
  private pending = 0;

  constructor(private readonly cache: ResponseCache | undefined) {}

  /** Upstream fetches other requests are waiting on (leak checks). */
  get coalescing(): number {
    return this.pending;
  }

  /**
   * Serves `request` for the target `uri` (already authorized for this session: the cache never
   * answers a session without permission, RFC 7252 §11.2). `forward` does the upstream request.
   */
  handle(request: UpstreamRequest, uri: string, forward: Forward): Promise<ResponseParts> {
    const cache = this.cache;
    if (cache === undefined) return forward(request);
    if (UNSAFE.has(request.code)) return this.unsafe(cache, request, uri, forward);
    const key = cache.keyOf(request, uri);
    if (key === undefined) return forward(request);
    const clientEtags = hasOption(request.options, OptionNumber.ETAG) ? getOptions(request.options, OptionNumber.ETAG) : NO_ETAGS;
    const served = cache.serve(key, clientEtags);
    if (served !== undefined) return Promise.resolve(served);
    // Mesh bandwidth is scarce: identical GETs in flight share one upstream request.
    const coalesceKey = clientEtags.length === 0 ? key : `${key}|etag=${clientEtags.map((t) => t.toString('hex')).join(',')}`;
    const pending = this.inFlight.get(coalesceKey);
    if (pending !== undefined && pending !== null) return pending;
    // fetch() runs up to its first await before returning, so the entry is set before it is finished.
    const fetch = this.fetch(cache, request, key, uri, clientEtags, forward, coalesceKey);
    this.inFlight.set(coalesceKey, fetch);
    this.pending++;
    return fetch;
  }

  private async unsafe(cache: ResponseCache, request: UpstreamRequest, uri: string, forward: Forward): Promise<ResponseParts> {
    const response = await forward(request);
    // RFC 7252 §5.9.1.1/.2/.4: 2.01, 2.02, 2.04 mark stored responses of the target not fresh.
    if (response.code >>> 5 === 2) cache.invalidate(uri);
    return response;
  }

  private async fetch(
    cache: ResponseCache,
    request: UpstreamRequest,
    key: string,
    uri: string,
    clientEtags: readonly Buffer[],
    forward: Forward,
    coalesceKey: string,
  ): Promise<ResponseParts> {
    try {
      const stale = cache.peek(key);
      // RFC 7252 §5.6.2: a stale entry with an ETag is revalidated rather than fetched again.
      const addEtag = stale?.etag !== undefined && clientEtags.length === 0;
      const sent: UpstreamRequest = addEtag && stale.etag !== undefined ? withEtag(request, stale.etag) : request;
      const response = await forward(sent);
      if (response.code === Code.VALID) {
        const refreshed = cache.revalidated(key, response);
        if (!addEtag) return response;
        const fromCache = refreshed ? cache.serve(key, []) : undefined;
        // The client sent no ETag and must get the representation: ask again without ours.
        return fromCache ?? (await forward(request));
      }
      if (response.code === Code.CONTENT) cache.store(key, uri, response);
      return response;
    } finally {
      this.finished(coalesceKey);
    }
  }

  private finished(coalesceKey: string): void {
    this.inFlight.set(coalesceKey, null);
    this.pending--;
    if (this.inFlight.size - this.pending < FORGET_AT) return;
    for (const [k, v] of this.inFlight) if (v === null) this.inFlight.delete(k);
  }
}

const NO_ETAGS: readonly Buffer[] = [];

function withEtag(request: UpstreamRequest, etag: Buffer): UpstreamRequest {
  const options = [...request.options, { number: OptionNumber.ETAG, value: etag }].sort((a, b) => a.number - b.number);
  return { ...request, options };
}
