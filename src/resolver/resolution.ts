// The vocabulary of name resolution: answers, failure kinds with human messages, and the injectable lookup.
import type { Result } from '../base/index.js';

/** An address a host name resolved to. */
export interface Resolution {
  readonly address: string;
  readonly family: 4 | 6;
  /** Seconds this answer stays valid: the record's TTL clamped to the resolver's floor and ceiling, less its age. */
  readonly ttlSec: number;
  /** `literal`: the host was an IP address; `dns`: a fresh lookup; `cache`: a cached answer. */
  readonly source: 'literal' | 'dns' | 'cache';
}

/**
 * Why a name did not resolve. `nxdomain`: the name does not exist; `nodata`: it exists without A/AAAA;
 * `servfail`/`refused`: the server's RCODE (RFC 1035 §4.1.1); `timeout`: no answer in time;
 * `unreachable`: the servers could not be contacted; `invalid-name`: not a host name, nothing was sent;
 * `error`: anything else (malformed reply, resolver closed).
 */
export type ResolveFailureKind =
  | 'nxdomain'
  | 'nodata'
  | 'servfail'
  | 'refused'
  | 'timeout'
  | 'unreachable'
  | 'invalid-name'
  | 'error';

export interface ResolveFailure {
  readonly kind: ResolveFailureKind;
  /** The host as asked. */
  readonly host: string;
  /** One sentence fit for a CoAP diagnostic payload (no stack, no internals). */
  readonly message: string;
  /** True when this failure was served from the negative cache. */
  readonly cached: boolean;
}

/** One A or AAAA record with its TTL in seconds. */
export interface DnsRecord {
  readonly address: string;
  readonly ttl: number;
}

/** What one A or AAAA query gave: records (possibly none), or a classified failure. */
export type LookupResult = Result<readonly DnsRecord[], { readonly kind: ResolveFailureKind; readonly detail: string }>;

/**
 * One DNS query for the A (family 4) or AAAA (family 6) records of a normalized name.
 * Must not reject; the resolver still guards against one that does.
 */
export type DnsLookup = (name: string, family: 4 | 6) => Promise<LookupResult>;

/** The human sentence for a failure; `servers` names where the question went. */
export function describeFailure(kind: ResolveFailureKind, host: string, servers: string, detail: string): string {
  const q = JSON.stringify(host.length > 100 ? `${host.slice(0, 100)}…` : host);
  const more = detail.length > 0 ? ` (${detail})` : '';
  switch (kind) {
    case 'nxdomain':
      return `DNS: no such name ${q} (NXDOMAIN; asked ${servers})`;
    case 'nodata':
      return `DNS: ${q} exists but has no AAAA or A record (${servers})`;
    case 'servfail':
      return `DNS: server failure (SERVFAIL) resolving ${q} at ${servers}`;
    case 'refused':
      return `DNS: ${servers} refused to resolve ${q} (REFUSED)`;
    case 'timeout':
      return `DNS: no answer from ${servers} for ${q}${more}`;
    case 'unreachable':
      return `DNS: cannot reach ${servers} to resolve ${q}${more}`;
    case 'invalid-name':
      return `DNS: ${q} is not a valid host name${detail.length > 0 ? `: ${detail}` : ''}`;
    case 'error':
      return `DNS: resolving ${q} at ${servers} failed${more}`;
  }
}

/**
 * Which failure speaks for the name when both queries failed: NXDOMAIN is about the name, not the type
 * (RFC 1035 §4.1.1, RFC 8020), so it wins; then a transient failure (worth retrying soon) over NODATA.
 */
export function worseFailure(a: ResolveFailureKind, b: ResolveFailureKind): ResolveFailureKind {
  return RANK[a] >= RANK[b] ? a : b;
}

const RANK: Record<ResolveFailureKind, number> = {
  nxdomain: 8,
  'invalid-name': 7,
  timeout: 6,
  unreachable: 5,
  servfail: 4,
  refused: 3,
  error: 2,
  nodata: 1,
};
