// Device host names: `SSN` + the NIC's 16-hex-digit EUI-64 MAC in upper case + `.` + a configured domain (pure).
import type { Result } from '../base/index.js';
import { ok, err } from '../base/index.js';
import { isWithinDomain, normalizeHostName, printable } from './host-name.js';

/** The seed: "the prefix "ssn", the MAC address of the NIC in upper case with no colons, and the domain". */
export const DEVICE_NAME_PREFIX = 'SSN';
/** EUI-64: 8 octets, 16 hex digits. */
export const MAC_HEX_DIGITS = 16;
const MAX_MAC = (1n << 64n) - 1n;

export interface DeviceName {
  /** The MAC as a number (EUI-64). */
  readonly mac: bigint;
  /** The MAC as 16 upper-case hex digits, e.g. `001350050005E7D6`. */
  readonly macHex: string;
  /** The configured domain the name lies in, lower case, e.g. `starfish.test`. */
  readonly domain: string;
  /** The canonical spelling, e.g. `SSN001350050005E7D6.starfish.test`. */
  readonly name: string;
}

export type DeviceNameErrorKind = 'syntax' | 'domain' | 'prefix' | 'mac';

export interface DeviceNameError {
  readonly kind: DeviceNameErrorKind;
  /** A sentence for a diagnostic payload or a log line; hostile input is escaped and shortened. */
  readonly message: string;
}

/** Checks and lower-cases a domain for configuration; the result is what the other functions expect. */
export function normalizeDomain(domain: string): Result<string, string> {
  const n = normalizeHostName(domain);
  if (!n.ok) return err(`invalid domain: ${n.error}`);
  return n;
}

/**
 * Parses a MAC given as 16 hex digits, optionally grouped by `:` or `-` (`00:13:50:05:00:05:E7:D6`),
 * in either letter case.
 */
export function parseMac(text: string): Result<bigint, string> {
  if (typeof text !== 'string') return err('the MAC address is not text');
  const digits = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2})*$/.test(text) ? text.replace(/[:-]/g, '') : text;
  if (!/^[0-9a-fA-F]*$/.test(digits)) {
    return err(`the MAC address "${printable(text)}" may hold only hex digits (optionally grouped by ":" or "-")`);
  }
  if (digits.length !== MAC_HEX_DIGITS) {
    return err(`the MAC address "${printable(text)}" has ${digits.length} hex digits; an EUI-64 has ${MAC_HEX_DIGITS}`);
  }
  return ok(BigInt(`0x${digits}`));
}

/** 16 upper-case hex digits of a MAC. Throws RangeError for a value outside 0..2^64-1 (a programming error). */
export function formatMac(mac: bigint): string {
  if (mac < 0n || mac > MAX_MAC) throw new RangeError(`MAC ${mac} is outside the EUI-64 range`);
  return mac.toString(16).toUpperCase().padStart(MAC_HEX_DIGITS, '0');
}

/**
 * The canonical host name of a device, e.g. `formatDeviceName(0x001350050005e7d6n, 'starfish.test')`
 * gives `SSN001350050005E7D6.starfish.test`. A string MAC is parsed by `parseMac`.
 * Throws RangeError for an invalid MAC or domain: callers build names from their own configuration.
 */
export function formatDeviceName(mac: bigint | string, domain: string): string {
  let value: bigint;
  if (typeof mac === 'bigint') {
    value = mac;
  } else {
    const parsed = parseMac(mac);
    if (!parsed.ok) throw new RangeError(parsed.error);
    value = parsed.value;
  }
  const d = normalizeDomain(domain);
  if (!d.ok) throw new RangeError(d.error);
  return `${DEVICE_NAME_PREFIX}${formatMac(value)}.${d.value}`;
}

/**
 * Parses a host name as a device name in one of `domains` (normalized by `normalizeDomain`, or at least
 * lower case without a trailing dot). Letter case and one trailing dot are ignored (RFC 4343).
 * When domains nest, the longest one that matches wins.
 */
export function parseDeviceName(host: string, domains: readonly string[]): Result<DeviceName, DeviceNameError> {
  const n = normalizeHostName(host);
  if (!n.ok) return err({ kind: 'syntax', message: `not a host name: ${n.error}` });
  const name = n.value;
  let domain: string | undefined;
  for (const configured of domains) {
    const d = configured.endsWith('.') ? configured.slice(0, -1).toLowerCase() : configured.toLowerCase();
    if (name !== d && isWithinDomain(name, d) && (domain === undefined || d.length > domain.length)) domain = d;
  }
  if (domain === undefined) {
    const list = domains.length === 0 ? 'no device domains are configured' : `the device domains are ${domains.join(', ')}`;
    return err({ kind: 'domain', message: `"${printable(host)}" is not in a device domain; ${list}` });
  }
  const label = name.slice(0, name.length - domain.length - 1);
  if (label.includes('.')) {
    return err({
      kind: 'syntax',
      message: `"${printable(host)}" has more than one label before the domain ${domain}; expected ${DEVICE_NAME_PREFIX}<16 hex digits>.${domain}`,
    });
  }
  if (!label.startsWith(DEVICE_NAME_PREFIX.toLowerCase())) {
    return err({
      kind: 'prefix',
      message: `"${printable(host)}" does not start with "${DEVICE_NAME_PREFIX}"; expected ${DEVICE_NAME_PREFIX}<16 hex digits>.${domain}`,
    });
  }
  const hex = label.slice(DEVICE_NAME_PREFIX.length);
  if (!/^[0-9a-f]*$/.test(hex) || hex.length !== MAC_HEX_DIGITS) {
    return err({
      kind: 'mac',
      message: `"${printable(host)}" must carry the MAC as exactly ${MAC_HEX_DIGITS} hex digits after "${DEVICE_NAME_PREFIX}" (got "${printable(hex.toUpperCase())}")`,
    });
  }
  const macHex = hex.toUpperCase();
  return ok({ mac: BigInt(`0x${hex}`), macHex, domain, name: `${DEVICE_NAME_PREFIX}${macHex}.${domain}` });
}

/** Host names compare equal regardless of letter case and a trailing root dot (RFC 4343 §3). */
export function sameHostName(a: string, b: string): boolean {
  const x = a.endsWith('.') ? a.slice(0, -1) : a;
  const y = b.endsWith('.') ? b.slice(0, -1) : b;
  return x.length === y.length && asciiLower(x) === asciiLower(y);
}

// Only A-Z fold: String#toLowerCase would equate U+212A KELVIN SIGN with "k".
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
