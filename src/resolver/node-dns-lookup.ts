// The real DnsLookup: Node's c-ares `dns.promises.Resolver` against configured servers, errors classified.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { Result } from '../base/index.js';
import { ok, err } from '../base/index.js';
import type { DnsLookup, LookupResult, ResolveFailureKind } from './resolution.js';

export interface DnsServer {
  readonly host: string;
  readonly port: number;
  /** The `ip:port` (or `[ipv6]:port`) form `Resolver#setServers` accepts. */
  readonly text: string;
}

/** Parses `ip`, `ip:port`, `[ipv6]` or `[ipv6]:port` (default port 53). Only IP addresses: DNS servers are not named. */
export function parseDnsServer(spec: string): Result<DnsServer, string> {
  if (typeof spec !== 'string' || spec.trim().length === 0) return err('a DNS server is empty');
  const s = spec.trim();
  let host = s;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d*))?$/.exec(s);
  if (bracket !== null) {
    host = bracket[1] ?? '';
    portText = bracket[2];
  } else if (isIP(s) === 0) {
    const i = s.lastIndexOf(':');
    if (i > 0 && s.indexOf(':') === i) {
      host = s.slice(0, i);
      portText = s.slice(i + 1);
    }
  }
  const family = isIP(host);
  if (family === 0) return err(`DNS server "${spec}" is not an IP address (form ip, ip:port or [ipv6]:port)`);
  if (bracket !== null && family !== 6) return err(`DNS server "${spec}": brackets are for IPv6 addresses`);
  let port = 53;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return err(`DNS server "${spec}" has an invalid port (1-65535)`);
    }
    port = Number(portText);
  }
  const text = family === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  return ok({ host, port, text });
}

export interface NodeDnsLookupOptions {
  readonly servers: readonly DnsServer[];
  /** c-ares' timeout of the first try, in ms; later tries wait longer. */
  readonly timeoutMs: number;
  /** How many times each server is tried. */
  readonly tries: number;
}

export interface NodeDnsLookup {
  readonly lookup: DnsLookup;
  /** Cancels every outstanding query (they settle as `error`). */
  cancel(): void;
}

/** A c-ares resolver bound to `servers` only: /etc/resolv.conf servers are never asked. */
export function createNodeDnsLookup(options: NodeDnsLookupOptions): NodeDnsLookup {
  const resolver = new dns.Resolver({ timeout: Math.max(1, Math.round(options.timeoutMs)), tries: Math.max(1, options.tries) });
  resolver.setServers(options.servers.map((s) => s.text));
  const lookup: DnsLookup = async (name, family) => {
    try {
      const records = family === 6 ? await resolver.resolve6(name, { ttl: true }) : await resolver.resolve4(name, { ttl: true });
      return ok(records.map((r) => ({ address: r.address, ttl: r.ttl })));
    } catch (e) {
      return classifyDnsError(e);
    }
  };
  return { lookup, cancel: () => resolver.cancel() };
}

/** Maps c-ares error codes (Node's `dns.NOTFOUND` etc.) to failure kinds. */
export function classifyDnsError(e: unknown): LookupResult {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const kind: ResolveFailureKind = KIND_BY_CODE[code] ?? 'error';
  return err({ kind, detail: code.length > 0 ? code : 'unexpected resolver error' });
}

const KIND_BY_CODE: Readonly<Record<string, ResolveFailureKind>> = {
  ENOTFOUND: 'nxdomain',
  ENODATA: 'nodata',
  ESERVFAIL: 'servfail',
  EREFUSED: 'refused',
  ETIMEOUT: 'timeout',
  ECONNREFUSED: 'unreachable',
  EFORMERR: 'error',
  EBADRESP: 'error',
  ECANCELLED: 'error',
  EDESTRUCTION: 'error',
};
