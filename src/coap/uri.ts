// URIs <-> options: RFC 7252 §6.4 decomposition, §6.5 composition, and the Target of a proxied request.
import { isIPv4, isIPv6 } from 'node:net';
import type { CoapOption } from './message.js';
import { OptionNumber, decodeUint, getOptions } from './options.js';
import { err, ok, type Result } from './result.js';

export type HostKind = 'name' | 'ipv4' | 'ipv6';

/** A decomposed absolute URI: where to send, and the Uri-* options to send there. */
export interface UriParts {
  /** Lowercase scheme, e.g. "coap". */
  readonly scheme: string;
  /** Lowercase, percent-decoded host; IPv6 without brackets. */
  readonly host: string;
  readonly hostKind: HostKind;
  readonly port: number;
  /** Uri-Host (names only), Uri-Port (only if it differs from the destination port), Uri-Path, Uri-Query. */
  readonly options: CoapOption[];
}

/** The device a proxied request names (RFC 7252 §5.7.2, §5.10.2). */
export interface Target extends UriParts {
  /** The target URI in the normal form of RFC 7252 §6.5 (for logs, authorization and cache keys). */
  readonly uri: string;
}

const DEFAULT_PORTS: ReadonlyMap<string, number> = new Map([
  ['coap', 5683],
  ['coaps', 5684],
  ['coap+tcp', 5683],
  ['coaps+tcp', 5684],
  ['coap+ws', 80],
  ['coaps+ws', 443],
  ['http', 80],
  ['https', 443],
]);

/** Default port of a scheme (RFC 7252 §6.1/§6.2, RFC 8323 §8), undefined if unknown. */
export function defaultPort(scheme: string): number | undefined {
  return DEFAULT_PORTS.get(scheme.toLowerCase());
}

// RFC 3986 §2: the characters a URI may hold at all.
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const PCHARS = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
const QCHARS = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
const MAX_SEGMENT = 255;

/** Percent-decodes to bytes, exactly once (RFC 7252 §6.4 steps 5, 8, 9). Callers validated the syntax. */
function percentDecode(text: string): Buffer {
  if (!text.includes('%')) return Buffer.from(text, 'latin1');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x25) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(ch);
  }
  return Buffer.from(bytes);
}

/** RFC 3986 §5.2.4 remove_dot_segments. */
function removeDotSegments(path: string): string {
  const output: string[] = [];
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i] as string;
    const last = i === segments.length - 1;
    if (s === '.' || s === '..') {
      if (s === '..' && output.length > 0) output.pop();
      if (last) output.push('');
    } else output.push(s);
  }
  return output.length === 0 ? '' : '/' + output.join('/');
}

interface ParsedHost {
  readonly host: string;
  readonly kind: HostKind;
  readonly rest: string;
}

function parseHost(authority: string): Result<ParsedHost, string> {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return err('IP-literal without closing "]"');
    const literal = authority.slice(1, close);
    // RFC 3986 §3.2.2: IPvFuture and zone identifiers are not usable CoAP destinations here.
    if (!isIPv6(literal) || literal.includes('%')) return err(`invalid IPv6 literal "${literal}"`);
    return ok({ host: literal.toLowerCase(), kind: 'ipv6', rest: authority.slice(close + 1) });
  }
  const colon = authority.indexOf(':');
  const raw = colon < 0 ? authority : authority.slice(0, colon);
  const rest = colon < 0 ? '' : authority.slice(colon);
  // RFC 7252 §6.1: the host MUST NOT be empty.
  if (raw.length === 0) return err('empty host');
  if (!REG_NAME.test(raw)) return err(`invalid host "${raw}"`);
  if (isIPv4(raw)) return ok({ host: raw, kind: 'ipv4', rest });
  const decoded = percentDecode(raw.toLowerCase());
  if (decoded.length > MAX_SEGMENT) return err('host longer than 255 bytes');
  return ok({ host: decoded.toString('utf8'), kind: 'name', rest });
}

function parsePort(rest: string, scheme: string): Result<number, string> {
  const fallback = defaultPort(scheme) ?? 0;
  if (rest === '' || rest === ':') return ok(fallback);
  if (!/^:[0-9]{1,5}$/.test(rest)) return err(`invalid port "${rest.slice(1)}"`);
  const port = Number(rest.slice(1));
  if (port < 1 || port > 65535) return err(`port ${port} out of range`);
  return ok(port);
}

/** The generic part of §6.4 for any scheme with an authority; the scheme check is the caller's. */
function decompose(uri: string, destinationPort: number | undefined): Result<UriParts, string> {
  if (!URI_CHARS.test(uri)) return err('URI holds characters outside RFC 3986 (spaces, controls or non-ASCII)');
  const scheme = SCHEME.exec(uri);
  // RFC 7252 §6.4 step 1: relative references fail.
  if (scheme === null) return err('not an absolute URI (no scheme)');
  // RFC 7252 §6.4 step 4: a fragment fails.
  if (uri.includes('#')) return err('URI has a fragment');
  const schemeName = (scheme[1] as string).toLowerCase();
  let rest = uri.slice(scheme[0].length);
  if (!rest.startsWith('//')) return err('URI has no authority ("//host")');
  rest = rest.slice(2);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  rest = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  if (authority.includes('@')) return err('userinfo is not allowed in a CoAP URI');
  const host = parseHost(authority);
  if (!host.ok) return host;
  const port = parsePort(host.value.rest, schemeName);
  if (!port.ok) return port;
  const queryStart = rest.indexOf('?');
  const rawPath = queryStart < 0 ? rest : rest.slice(0, queryStart);
  const rawQuery = queryStart < 0 ? undefined : rest.slice(queryStart + 1);
  if (!PCHARS.test(rawPath)) return err('invalid path (bad percent-encoding or characters)');
  if (rawQuery !== undefined && !QCHARS.test(rawQuery)) return err('invalid query (bad percent-encoding or characters)');

  const options: CoapOption[] = [];
  // RFC 7252 §6.4 step 5: Uri-Host only for a registered name (lowercased, percent-decoded).
  if (host.value.kind === 'name') options.push({ number: OptionNumber.URI_HOST, value: Buffer.from(host.value.host, 'utf8') });
  // RFC 7252 §6.4 step 7: Uri-Port only when it differs from the destination port.
  if (destinationPort !== undefined && destinationPort !== port.value) {
    const p = port.value;
    options.push({ number: OptionNumber.URI_PORT, value: p < 256 ? Buffer.from([p]) : Buffer.from([p >>> 8, p & 0xff]) });
  }
  // RFC 7252 §6.4 steps 2 and 8: dot segments resolved; "" and "/" give no Uri-Path; "/a/" gives "a", "".
  const path = removeDotSegments(rawPath);
  if (path !== '' && path !== '/') {
    for (const segment of path.slice(1).split('/')) {
      const value = percentDecode(segment);
      if (value.length > MAX_SEGMENT) return err('path segment longer than 255 bytes');
      options.push({ number: OptionNumber.URI_PATH, value });
    }
  }
  // RFC 7252 §6.4 step 9: one Uri-Query per "&"-separated argument.
  if (rawQuery !== undefined) {
    for (const argument of rawQuery.split('&')) {
      const value = percentDecode(argument);
      if (value.length > MAX_SEGMENT) return err('query argument longer than 255 bytes');
      options.push({ number: OptionNumber.URI_QUERY, value });
    }
  }
  return ok({ scheme: schemeName, host: host.value.host, hostKind: host.value.kind, port: port.value, options });
}

/**
 * RFC 7252 §6.4: decomposes a coap/coaps URI. The request is assumed to go to the URI's own host and
 * port, so there is never a Uri-Port unless `destinationPort` names another one.
 */
export function uriToOptions(uri: string, destinationPort?: number): Result<UriParts, string> {
  const d = decompose(uri, destinationPort);
  if (!d.ok) return d;
  // RFC 7252 §6.4 step 3: only coap and coaps.
  if (d.value.scheme !== 'coap' && d.value.scheme !== 'coaps') return err(`scheme "${d.value.scheme}" is not coap or coaps`);
  return d;
}

const HEX = '0123456789ABCDEF';

/** Percent-encodes with uppercase hex every byte outside `keep` (all ASCII when null) (RFC 7252 §6.5). */
function percentEncode(value: Buffer, keep: RegExp | null): string {
  let out = '';
  for (const byte of value) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && (keep === null || keep.test(ch)) ? ch : '%' + HEX[byte >>> 4] + HEX[byte & 0x0f];
  }
  return out;
}

const PATH_KEEP = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;
const QUERY_KEEP = /[A-Za-z0-9\-._~!$'()*+,;=:@/?]/;

export interface Destination {
  /** Scheme of the composed URI; default "coap". */
  readonly scheme?: string;
  /** Destination IP address, used when there is no Uri-Host. */
  readonly host?: string;
  /** Destination UDP port, used when there is no Uri-Port; default: the scheme's default port. */
  readonly port?: number;
}

function formatHost(host: string): Result<string, string> {
  if (isIPv6(host)) return ok(`[${host.toLowerCase()}]`);
  if (host.startsWith('[') && host.endsWith(']') && isIPv6(host.slice(1, -1))) return ok(host.toLowerCase());
  // RFC 7252 §6.5 step 2: only non-ASCII is percent-encoded; anything else must already be a reg-name.
  const encoded = percentEncode(Buffer.from(host.toLowerCase(), 'utf8'), null);
  if (encoded.length === 0 || !REG_NAME.test(encoded)) return err(`invalid host "${host}"`);
  return ok(encoded);
}

/** RFC 7252 §6.5: composes the request URI from Uri-Host/Uri-Port/Uri-Path/Uri-Query. */
export function optionsToUri(options: readonly CoapOption[], destination: Destination = {}): Result<string, string> {
  const scheme = (destination.scheme ?? 'coap').toLowerCase();
  const hosts = getOptions(options, OptionNumber.URI_HOST);
  const ports = getOptions(options, OptionNumber.URI_PORT);
  if (hosts.length > 1) return err('repeated Uri-Host');
  if (ports.length > 1) return err('repeated Uri-Port');
  const hostText = hosts[0] !== undefined ? hosts[0].toString('utf8') : destination.host;
  if (hostText === undefined) return err('no Uri-Host and no destination address');
  const host = formatHost(hostText);
  if (!host.ok) return host;
  const port = ports[0] !== undefined ? decodeUint(ports[0]) : (destination.port ?? defaultPort(scheme));
  if (port === undefined || port < 1 || port > 65535) return err(`invalid port ${String(port)}`);
  let url = `${scheme}://${host.value}`;
  if (port !== defaultPort(scheme)) url += `:${port}`;
  let resource = '';
  for (const segment of getOptions(options, OptionNumber.URI_PATH)) resource += '/' + percentEncode(segment, PATH_KEEP);
  if (resource === '') resource = '/';
  let separator = '?';
  for (const argument of getOptions(options, OptionNumber.URI_QUERY)) {
    resource += separator + percentEncode(argument, QUERY_KEEP);
    separator = '&';
  }
  return ok(url + resource);
}

/** What `targetFromRequest` falls back on when the Proxy-Scheme form has no Uri-Host / Uri-Port. */
export interface TargetDefaults {
  readonly host?: string;
  readonly port?: number;
}

function sortedTargetOptions(parts: { readonly options: readonly CoapOption[] }): CoapOption[] {
  return [...parts.options].sort((a, b) => a.number - b.number);
}

/**
 * The Target of a proxied request (RFC 7252 §5.7.2, §5.10.2): from Proxy-Uri, else from Proxy-Scheme
 * plus the Uri-* options. The result's options are the Uri-* options to send to the device (Uri-Host
 * only for names, no Uri-Port). Any scheme with an authority is decomposed: the caller answers 5.05 for
 * schemes it will not proxy. An error means the options are malformed (4.02 Bad Option).
 */
export function targetFromRequest(options: readonly CoapOption[], defaults: TargetDefaults = {}): Result<Target, string> {
  const proxyUris = getOptions(options, OptionNumber.PROXY_URI);
  const proxySchemes = getOptions(options, OptionNumber.PROXY_SCHEME);
  // RFC 7252 §5.4.5: a repeated non-repeatable critical option is treated as unrecognized.
  if (proxyUris.length > 1) return err('repeated Proxy-Uri option');
  if (proxySchemes.length > 1) return err('repeated Proxy-Scheme option');
  const proxyUri = proxyUris[0];
  if (proxyUri !== undefined) {
    // RFC 7252 §5.10.2: Proxy-Uri takes precedence over Uri-* options; its length is 1-1034 (§5.4.3).
    if (proxyUri.length < 1 || proxyUri.length > 1034) return err(`Proxy-Uri of ${proxyUri.length} bytes (1-1034)`);
    const text = proxyUri.toString('latin1');
    const d = decompose(text, undefined);
    if (!d.ok) return err(`Proxy-Uri: ${d.error}`);
    const uri = optionsToUri(d.value.options, { scheme: d.value.scheme, host: d.value.host, port: d.value.port });
    if (!uri.ok) return err(`Proxy-Uri: ${uri.error}`);
    return ok({ ...d.value, options: sortedTargetOptions(d.value), uri: uri.value });
  }
  const proxyScheme = proxySchemes[0];
  if (proxyScheme === undefined) return err('neither Proxy-Uri nor Proxy-Scheme');
  const scheme = proxyScheme.toString('latin1').toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return err(`invalid Proxy-Scheme "${scheme}"`);
  const hostValues = getOptions(options, OptionNumber.URI_HOST);
  const portValues = getOptions(options, OptionNumber.URI_PORT);
  if (hostValues.length > 1 || portValues.length > 1) return err('repeated Uri-Host or Uri-Port option');
  const hostText = hostValues[0]?.toString('utf8') ?? defaults.host;
  if (hostText === undefined) return err('Proxy-Scheme without Uri-Host');
  const port = portValues[0] !== undefined ? decodeUint(portValues[0]) : (defaults.port ?? defaultPort(scheme));
  if (port === undefined || port < 1 || port > 65535) return err(`invalid target port ${String(port)}`);
  // §6.5 composition validates the host; the Uri-Path/Uri-Query values are forwarded byte-exact.
  const uri = optionsToUri(options, { scheme, host: hostText, port });
  if (!uri.ok) return err(`Proxy-Scheme: ${uri.error}`);
  const bare = hostText.startsWith('[') && hostText.endsWith(']') ? hostText.slice(1, -1) : hostText;
  const hostKind: HostKind = isIPv6(bare) ? 'ipv6' : isIPv4(bare) ? 'ipv4' : 'name';
  const host = bare.toLowerCase();
  const out: CoapOption[] = [];
  // RFC 7252 §6.4 step 5: Uri-Host only for names, lowercased.
  if (hostKind === 'name') out.push({ number: OptionNumber.URI_HOST, value: Buffer.from(host, 'utf8') });
  for (const o of options) if (o.number === OptionNumber.URI_PATH || o.number === OptionNumber.URI_QUERY) out.push(o);
  return ok({ scheme, host, hostKind, port, options: sortedTargetOptions({ options: out }), uri: uri.value });
}
