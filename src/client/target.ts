// Target parsing: a device name, a full coap:// URI or a gateway path -> the options that address it.
import { type Result, ok, err } from '../base/index.js';
import { OptionNumber, type CoapOption, defaultPort, optionsToUri, uriToOptions, encodeUint } from '../coap/index.js';

/**
 * What a request addresses: a device behind the gateway (sent with Proxy-Uri, RFC 7252 §5.7.2), or a
 * resource of the gateway itself (a path such as `/help`: Uri-Path/Uri-Query only, §5.10.1).
 */
export interface RequestTarget {
  readonly kind: 'device' | 'gateway';
  /** Normalized URI (RFC 7252 §6.5) for a device; the path and query for a gateway resource. */
  readonly uri: string;
  /** Device host (lowercase, IPv6 without brackets); empty for a gateway resource. */
  readonly host: string;
  readonly port: number;
  /** The options that name the target in a request to the gateway. */
  readonly options: readonly CoapOption[];
}

/** RFC 7252 §5.10.2: Proxy-Uri is 1-1034 bytes; longer targets go as Proxy-Scheme + Uri-* options. */
const MAX_PROXY_URI_BYTES = 1034;

const SCHEME_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * Parses what the user typed: `SSN001350050005E7D6.starfish.test/time` (scheme coap assumed),
 * `coap://host:port/path?q`, or `/path?q` for the gateway's own resources.
 */
export function parseTarget(text: string): Result<RequestTarget, string> {
  const input = text.trim();
  if (input === '') return err('no target given: name a device (SSN<MAC>.<domain>/path) or a coap:// URI');
  if (/\s/.test(input)) return err(`"${input}" contains a space: a target is one word, e.g. coap://SSN001350050005E7D6.starfish.test/time`);
  if (input.startsWith('/')) return gatewayTarget(input);
  const scheme = SCHEME_PREFIX.exec(input);
  if (scheme !== null && (scheme[1] as string).toLowerCase() !== 'coap') {
    return err(`scheme "${(scheme[1] as string).toLowerCase()}" is not supported: the gateway forwards coap:// only`);
  }
  if (scheme === null && /^[A-Za-z][A-Za-z0-9+.-]*:[^0-9]/.test(input) && !input.startsWith('[')) {
    return err(`"${input}" is not a target: use coap://host[:port]/path or a device name such as SSN001350050005E7D6.starfish.test/time`);
  }
  const uri = scheme === null ? `coap://${input}` : input;
  const parts = uriToOptions(uri);
  if (!parts.ok) return err(`bad URI "${input}": ${parts.error}`);
  const { host, port, hostKind } = parts.value;
  const normalized = optionsToUri(parts.value.options, { scheme: 'coap', host, port });
  if (!normalized.ok) return err(`bad URI "${input}": ${normalized.error}`);
  const proxyUri = Buffer.from(normalized.value, 'utf8');
  let options: CoapOption[];
  if (proxyUri.length <= MAX_PROXY_URI_BYTES) {
    options = [{ number: OptionNumber.PROXY_URI, value: proxyUri }];
  } else {
    // RFC 7252 §5.10.2: Proxy-Scheme with the Uri-* options; the gateway needs Uri-Host even for a literal.
    options = [
      ...(hostKind === 'name' ? [] : [{ number: OptionNumber.URI_HOST, value: Buffer.from(host, 'utf8') }]),
      ...parts.value.options,
      ...(port === defaultPort('coap') ? [] : [{ number: OptionNumber.URI_PORT, value: encodeUint(port) }]),
      { number: OptionNumber.PROXY_SCHEME, value: Buffer.from('coap', 'utf8') },
    ].sort((a, b) => a.number - b.number);
  }
  return ok({ kind: 'device', uri: normalized.value, host, port, options });
}

function gatewayTarget(input: string): Result<RequestTarget, string> {
  // Parsed as a URI on a placeholder host so that the same §6.4 rules apply to the path and query.
  const parts = uriToOptions(`coap://gateway${input}`);
  if (!parts.ok) return err(`bad path "${input}": ${parts.error}`);
  const options = parts.value.options.filter((o) => o.number === OptionNumber.URI_PATH || o.number === OptionNumber.URI_QUERY);
  return ok({ kind: 'gateway', uri: input, host: '', port: 0, options });
}

/** The same target with `/.well-known/core` as its path (RFC 6690 §4), for `discover`. */
export function discoveryTarget(text: string, query: readonly string[] = []): Result<RequestTarget, string> {
  const input = text.trim();
  const scheme = SCHEME_PREFIX.exec(input);
  const rest = scheme === null ? input : input.slice(scheme[0].length);
  if (rest.startsWith('/') || rest === '') {
    return parseTarget(`/.well-known/core${queryText(query)}`);
  }
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  return parseTarget(`${scheme === null ? '' : scheme[0]}${authority}/.well-known/core${queryText(query)}`);
}

function queryText(query: readonly string[]): string {
  return query.length === 0 ? '' : `?${query.join('&')}`;
}

/** A gateway address: `host`, `host:port`, `[v6]:port` or `coap://host:port` (default port 5683). */
export interface GatewayAddress {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_GATEWAY: GatewayAddress = { host: '127.0.0.1', port: 5683 };

export function parseGatewayAddress(text: string): Result<GatewayAddress, string> {
  const input = text.trim().replace(/^coap:\/\//i, '').replace(/\/+$/, '');
  if (input === '') return err('empty gateway address (expected host:port, e.g. 127.0.0.1:5683)');
  let host: string;
  let portText: string | undefined;
  if (input.startsWith('[')) {
    const close = input.indexOf(']');
    if (close < 0) return err(`bad gateway address "${text}": missing "]"`);
    host = input.slice(1, close);
    const rest = input.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return err(`bad gateway address "${text}"`);
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colons = input.split(':').length - 1;
    if (colons > 1) {
      host = input; // a bare IPv6 literal without a port
    } else {
      const colon = input.indexOf(':');
      host = colon < 0 ? input : input.slice(0, colon);
      portText = colon < 0 ? undefined : input.slice(colon + 1);
    }
  }
  if (host === '' || /[/?#@\s]/.test(host)) return err(`bad gateway address "${text}": expected host:port`);
  if (portText === undefined) return ok({ host, port: DEFAULT_GATEWAY.port });
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return err(`bad gateway port "${portText}" (1-65535)`);
  }
  return ok({ host, port: Number(portText) });
}

/** `host:port`, with brackets around an IPv6 literal. */
export function formatAddress(address: { readonly host: string; readonly port: number }): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
