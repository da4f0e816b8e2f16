// In-memory DNS zone of the mesh: names -> A/AAAA records with TTLs, served domains, hosts-file import and export.
import { isIP } from 'node:net';
import type { Result } from '../base/index.js';
import { ok, err } from '../base/index.js';

export interface ZoneRecord {
  readonly address: string;
  readonly family: 4 | 6;
  readonly ttlSec: number;
}

/** What the zone knows about a name: outside every served domain, absent from one, or present (maybe without records). */
export type ZoneAnswer =
  | { readonly kind: 'refused' }
  | { readonly kind: 'nxdomain'; readonly domain: string }
  | { readonly kind: 'found'; readonly domain: string; readonly records: readonly ZoneRecord[] };

export interface HostsLoadReport {
  /** Records added or refreshed. */
  readonly added: number;
  /** Lines that were not taken, with why (1-based line numbers). */
  readonly errors: ReadonlyArray<{ readonly line: number; readonly message: string }>;
}

export interface DnsZoneOptions {
  /** The domains this zone is authoritative for, e.g. `['starfish.test']`. */
  readonly domains: readonly string[];
  /** TTL of records added without one (default 60 s). */
  readonly defaultTtlSec?: number;
}

export interface DnsZone {
  readonly domains: readonly string[];
  readonly defaultTtlSec: number;
  /** Number of names holding at least one record. */
  readonly size: number;
  /** Bumped on every change: the SOA serial (RFC 1035 §3.3.13). */
  readonly serial: number;
  /** Adds (or refreshes the TTL of) one record. The name must lie in a served domain. */
  add(name: string, address: string, ttlSec?: number): Result<ZoneRecord, string>;
  /** Removes one address of a name, or every record of the name when `address` is omitted. */
  remove(name: string, address?: string): boolean;
  lookup(name: string): ZoneAnswer;
  /** Names (lower case) that hold records. */
  names(): IterableIterator<string>;
  /** Reads `/etc/hosts` format: `address name [alias...]`, `#` comments; names outside the domains are reported. */
  loadHosts(text: string, ttlSec?: number): HostsLoadReport;
  /** Writes every record in `/etc/hosts` format, e.g. for `dnsmasq --addn-hosts` (TTLs are not representable). */
  toHosts(): string;
}

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const MAX_TTL_SEC = 0x7fffffff; // RFC 2181 §8: a TTL is an unsigned 31-bit number of seconds.

/** Lower-cases A-Z only (RFC 4343: DNS case-insensitivity is ASCII) and drops a trailing root dot. */
export function canonicalName(name: string): string {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  return trimmed.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** RFC 1035 §2.3.1 syntax with RFC 1123's leading digits; `_` allowed for service labels. */
export function checkName(name: string): Result<string, string> {
  const c = canonicalName(name);
  if (c.length === 0 || c.length > 253) return err(`"${shorten(name)}" is not a host name (1-253 characters)`);
  for (const label of c.split('.')) {
    if (!LABEL.test(label)) return err(`"${shorten(name)}" is not a host name (bad label "${shorten(label)}")`);
  }
  return ok(c);
}

/** Throws TypeError on a bad domain list or TTL: the zone is built from configuration. */
export function createDnsZone(options: DnsZoneOptions): DnsZone {
  const domains: string[] = [];
  for (const d of options.domains) {
    const c = checkName(d);
    if (!c.ok) throw new TypeError(`zone domain: ${c.error}`);
    domains.push(c.value);
  }
  if (domains.length === 0) throw new TypeError('a zone serves at least one domain');
  // Longest first, so a name in nested domains belongs to the innermost one.
  domains.sort((a, b) => b.length - a.length);
  const defaultTtlSec = options.defaultTtlSec ?? 60;
  if (!isTtl(defaultTtlSec)) throw new TypeError(`zone TTL must be an integer 0..${MAX_TTL_SEC} (got ${defaultTtlSec})`);

  const records = new Map<string, ZoneRecord[]>();
  // Names strictly between a record's name and its domain, with how many record names lie below each.
  const interior = new Map<string, number>();
  let serial = 1;

  const domainOf = (name: string): string | undefined => {
    for (const d of domains) {
      if (name === d || (name.endsWith(d) && name.length > d.length && name.charCodeAt(name.length - d.length - 1) === 46)) return d;
    }
    return undefined;
  };

  const zone: DnsZone = {
    domains,
    defaultTtlSec,
    get size() {
      return records.size;
    },
    get serial() {
      return serial;
    },
    add(name, address, ttlSec = defaultTtlSec) {
      const n = checkName(name);
      if (!n.ok) return n;
      if (domainOf(n.value) === undefined) return err(`"${shorten(name)}" is outside the served domains (${domains.join(', ')})`);
      const family = isIP(address);
      if (family !== 4 && family !== 6) return err(`"${shorten(address)}" is not an IPv4 or IPv6 address`);
      if (address.includes('%')) return err(`"${shorten(address)}" has a zone index, which DNS cannot carry`);
      if (!isTtl(ttlSec)) return err(`TTL must be an integer 0..${MAX_TTL_SEC} (got ${ttlSec})`);
      const record: ZoneRecord = { address: family === 6 ? address.toLowerCase() : address, family, ttlSec };
      const list = records.get(n.value);
      if (list === undefined) {
        records.set(n.value, [record]);
        countInterior(n.value, 1);
      } else {
        const i = list.findIndex((r) => r.address === record.address);
        if (i >= 0) list[i] = record;
        else list.push(record);
      }
      serial++;
      return ok(record);
    },
    remove(name, address) {
      const key = canonicalName(name);
      const list = records.get(key);
      if (list === undefined) return false;
      if (address !== undefined) {
        const i = list.findIndex((r) => r.address === address.toLowerCase());
        if (i < 0) return false;
        list.splice(i, 1);
      }
      if (address === undefined || list.length === 0) {
        records.delete(key);
        countInterior(key, -1);
      }
      serial++;
      return true;
    },
    lookup(name) {
      const key = canonicalName(name);
      const domain = domainOf(key);
      if (domain === undefined) return { kind: 'refused' };
      const list = records.get(key);
      if (list !== undefined) return { kind: 'found', domain, records: list };
      // The apex exists even without records of its own (it owns the SOA); so do names with records below them
      // (RFC 8020: NXDOMAIN means nothing exists at or below the name).
      if (key === domain || interior.has(key)) return { kind: 'found', domain, records: [] };
      return { kind: 'nxdomain', domain };
    },
    names: () => records.keys(),
    loadHosts(text, ttlSec = defaultTtlSec) {
      let added = 0;
      const errors: Array<{ line: number; message: string }> = [];
      const lines = text.split(/\r?\n/);
      for (let i = 0; i < lines.length; i++) {
        const content = (lines[i] ?? '').replace(/#.*/, '').trim();
        if (content.length === 0) continue;
        const [address, ...names] = content.split(/\s+/);
        if (address === undefined || names.length === 0) {
          errors.push({ line: i + 1, message: 'expected an address followed by at least one name' });
          continue;
        }
        for (const name of names) {
          const r = zone.add(name, address, ttlSec);
          if (r.ok) added++;
          else errors.push({ line: i + 1, message: r.error });
        }
      }
      return { added, errors };
    },
    toHosts() {
      const out = [`# ${domains.join(', ')}: ${records.size} names, serial ${serial}`];
      for (const [name, list] of records) for (const r of list) out.push(`${r.address} ${name}`);
      return `${out.join('\n')}\n`;
    },
  };

  function countInterior(name: string, delta: 1 | -1): void {
    const domain = domainOf(name);
    if (domain === undefined) return;
    let dot = name.indexOf('.');
    while (dot >= 0 && name.length - dot - 1 > domain.length) {
      const ancestor = name.slice(dot + 1);
      const count = (interior.get(ancestor) ?? 0) + delta;
      if (count > 0) interior.set(ancestor, count);
      else interior.delete(ancestor);
      dot = name.indexOf('.', dot + 1);
    }
  }

  return zone;
}

function isTtl(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= MAX_TTL_SEC;
}

function shorten(s: string): string {
  const cut = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  return cut.replace(/[^\x20-\x7e…]/g, '?');
}
