// Translation between the client leg and the device leg (pure): Proxy-* -> Uri-*, every other option kept.
import { createHash } from 'node:crypto';
import { OptionNumber, encodeUint, hasOption, type CoapOption, type Message, type Target } from '../coap/index.js';
import type { ResponseParts } from './errors.js';

/** The request to send to the device; the upstream endpoint adds its own token and message ID. */
export interface UpstreamRequest {
  /** CON (0) or NON (1), as the client sent it (RFC 7252 §5.2.3 keeps the type per hop). */
  readonly type: 0 | 1;
  readonly code: number;
  readonly options: readonly CoapOption[];
  readonly payload: Buffer;
}

/** Options that name the target; the proxy replaces them with the target's Uri-* options. */
const ADDRESSING: ReadonlySet<number> = new Set([
  OptionNumber.URI_HOST,
  OptionNumber.URI_PORT,
  OptionNumber.URI_PATH,
  OptionNumber.URI_QUERY,
  OptionNumber.PROXY_URI,
  OptionNumber.PROXY_SCHEME,
  OptionNumber.HOP_LIMIT,
]);

/** Merges two option lists sorted by number; on equal numbers `a`'s come first; both orders kept. */
function mergeSorted(a: readonly CoapOption[], b: readonly CoapOption[]): CoapOption[] {
  const out: CoapOption[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.number <= y.number)) {
      out.push(x as CoapOption);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

/**
 * RFC 7252 §5.7.2 / §5.10.2: the device request. Proxy-Uri / Proxy-Scheme and the client's Uri-*
 * options become the target's Uri-* options (§6.4: Uri-Host only for names, lowercased; no Uri-Port,
 * since the request goes to that port). Hop-Limit is set to `hopLimit` (RFC 8768 §3). Every other
 * option, known or not, is kept byte-exact and in order (the vendor guide: "forwards all CoAP options").
 */
export function toUpstream(request: Message, target: Target, hopLimit: number): UpstreamRequest {
  // One pass merging three sorted lists (client options minus addressing, the target's Uri-*, Hop-Limit);
  // on equal numbers the client's come first, then the target's: no intermediate arrays per request.
  const a = request.options;
  const b = target.options;
  const hop = HOP_LIMIT_OPTIONS[hopLimit] ?? { number: OptionNumber.HOP_LIMIT, value: encodeUint(hopLimit) };
  const out: CoapOption[] = [];
  let i = 0;
  let j = 0;
  let hopPending = true;
  for (;;) {
    while (i < a.length && ADDRESSING.has((a[i] as CoapOption).number)) i++;
    while (j < b.length && (b[j] as CoapOption).number === OptionNumber.URI_PORT) j++;
    const x = a[i];
    const y = b[j];
    const xn = x === undefined ? Infinity : x.number;
    const yn = y === undefined ? Infinity : y.number;
    const hn = hopPending ? hop.number : Infinity;
    if (xn === Infinity && yn === Infinity && hn === Infinity) break;
    if (xn <= yn && xn <= hn) {
      out.push(x as CoapOption);
      i++;
    } else if (yn <= hn) {
      out.push(y as CoapOption);
      j++;
    } else {
      out.push(hop);
      hopPending = false;
    }
  }
  return {
    type: request.type === 1 ? 1 : 0,
    code: request.code,
    options: out,
    payload: request.payload,
  };
}

/** Hop-Limit options by value (RFC 8768: one byte), shared read-only by every upstream request. */
const HOP_LIMIT_OPTIONS: readonly CoapOption[] = Array.from({ length: 256 }, (_, v) => Object.freeze({ number: OptionNumber.HOP_LIMIT, value: encodeUint(v) }));

/**
 * The client response from a device response: code, every option and the payload relayed unchanged
 * (RFC 7252 §5.7.1), except Observe, which is hop-by-hop (RFC 7641 §5): the observe relay sets its own.
 */
export function toClient(response: Message): ResponseParts {
  const hasObserve = hasOption(response.options, OptionNumber.OBSERVE);
  return {
    code: response.code,
    options: hasObserve ? response.options.filter((o) => o.number !== OptionNumber.OBSERVE) : response.options,
    payload: response.payload,
  };
}

/** RFC 7252 §5.7.2: a request is for the gateway itself when it has no Proxy-Uri / Proxy-Scheme. */
export function isProxyRequest(request: Message): boolean {
  for (const o of request.options) if (o.number === OptionNumber.PROXY_URI || o.number === OptionNumber.PROXY_SCHEME) return true;
  return false;
}

/**
 * A proxied request whose target names the gateway itself (R45: prevents loops) becomes a local one:
 * Proxy-* and the Uri-* options are replaced by the target's path and query.
 */
export function localizeRequest(request: Message, target: Target): Message {
  const kept = request.options.filter((o) => !ADDRESSING.has(o.number) || o.number === OptionNumber.HOP_LIMIT);
  const pathAndQuery = target.options.filter((o) => o.number === OptionNumber.URI_PATH || o.number === OptionNumber.URI_QUERY);
  return { ...request, options: mergeSorted(kept, pathAndQuery) };
}

/**
 * RFC 9175 §3.3 / RFC 7959 §2.5: the device sees every client's Block1 upload from the gateway's one
 * socket, so uploads of different clients must carry different Request-Tag lists or they would mix.
 * A Block1 request's Request-Tags are replaced by one tag derived from the client socket and the
 * client's own tags: stable across the blocks of one operation, distinct between clients.
 */
export function tagBlockwiseUpload(request: UpstreamRequest, clientKey: string): UpstreamRequest {
  if (!hasOption(request.options, OptionNumber.BLOCK1)) return request;
  const hash = createHash('sha256').update(clientKey);
  for (const o of request.options) if (o.number === OptionNumber.REQUEST_TAG) hash.update(o.value.toString('hex')).update('|');
  const tag: CoapOption = { number: OptionNumber.REQUEST_TAG, value: hash.digest().subarray(0, 8) };
  return { ...request, options: mergeSorted(request.options.filter((o) => o.number !== OptionNumber.REQUEST_TAG), [tag]) };
}
