// Request building: method, target, payload and format flags -> the options and payload of one request.
import { type Result, ok, err } from '../base/index.js';
import { ContentFormat, OptionNumber, encodeUint, methodName, contentFormatName, type CoapOption } from '../coap/index.js';
import type { RequestTarget } from './target.js';

/** Everything one client request says, before block-wise splitting. */
export interface RequestSpec {
  readonly method: number;
  readonly target: RequestTarget;
  readonly payload: Buffer;
  readonly contentFormat?: number;
  readonly accept?: number;
  /** NON instead of CON (RFC 7252 §4.3). */
  readonly nonConfirmable: boolean;
  /** Block size exponent the user asked for (RFC 7959 §2.2: size = 2^(szx+4)); early negotiation. */
  readonly blockSzx?: number;
}

const FORMAT_ALIASES: ReadonlyMap<string, number> = new Map([
  ['text', ContentFormat.TEXT_PLAIN],
  ['plain', ContentFormat.TEXT_PLAIN],
  ['text/plain', ContentFormat.TEXT_PLAIN],
  ['link', ContentFormat.LINK_FORMAT],
  ['link-format', ContentFormat.LINK_FORMAT],
  ['xml', ContentFormat.XML],
  ['octet-stream', ContentFormat.OCTET_STREAM],
  ['binary', ContentFormat.OCTET_STREAM],
  ['exi', ContentFormat.EXI],
  ['json', ContentFormat.JSON],
  ['cbor', ContentFormat.CBOR],
  ['senml+json', ContentFormat.SENML_JSON],
  ['senml-json', ContentFormat.SENML_JSON],
  ['senml+cbor', ContentFormat.SENML_CBOR],
  ['senml-cbor', ContentFormat.SENML_CBOR],
]);

/** `--content-format` / `--accept`: a number (0-65535), a short name (`json`) or a media type. */
export function parseContentFormat(text: string): Result<number, string> {
  const t = text.trim().toLowerCase();
  if (/^[0-9]+$/.test(t)) {
    const n = Number(t);
    // RFC 7252 §12.3: Content-Format is a 16-bit number.
    return n <= 0xffff ? ok(n) : err(`content format ${t} is out of range (0-65535)`);
  }
  const alias = FORMAT_ALIASES.get(t) ?? FORMAT_ALIASES.get(t.replace(/^application\//, ''));
  if (alias !== undefined) return ok(alias);
  // The registered numbers in coap/codes.ts are all below 300.
  for (let n = 0; n < 300; n++) if (contentFormatName(n)?.toLowerCase() === t) return ok(n);
  return err(`unknown content format "${text}" (use a number, or one of: ${[...FORMAT_ALIASES.keys()].filter((k) => !k.includes('/')).join(', ')})`);
}

/** `--block-size`: 16, 32, ..., 1024 bytes (RFC 7959 §2.2) -> SZX. */
export function parseBlockSize(text: string): Result<number, string> {
  const n = Number(text);
  for (let szx = 0; szx <= 6; szx++) if (2 ** (szx + 4) === n) return ok(szx);
  return err(`block size must be one of 16, 32, 64, 128, 256, 512, 1024 (got "${text}")`);
}

/** `--timeout` in seconds (fractions allowed) -> milliseconds. */
export function parseTimeoutSeconds(text: string): Result<number, string> {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) return err(`timeout must be a number of seconds > 0 (got "${text}")`);
  return ok(Math.round(n * 1000));
}

/** `--count`: a positive whole number. */
export function parsePositiveInt(text: string, what: string): Result<number, string> {
  if (!/^[0-9]+$/.test(text.trim()) || Number(text) < 1) return err(`${what} must be a whole number >= 1 (got "${text}")`);
  return ok(Number(text));
}

/**
 * The options of the request: the target's (Proxy-Uri or Uri-Path/Uri-Query), then Content-Format
 * (RFC 7252 §5.10.3) when there is a payload or one was asked for, and Accept (§5.10.4). Sorted.
 */
export function requestOptions(spec: RequestSpec): CoapOption[] {
  const options: CoapOption[] = [...spec.target.options];
  if (spec.contentFormat !== undefined) options.push({ number: OptionNumber.CONTENT_FORMAT, value: encodeUint(spec.contentFormat) });
  if (spec.accept !== undefined) options.push({ number: OptionNumber.ACCEPT, value: encodeUint(spec.accept) });
  return options.sort((a, b) => a.number - b.number);
}

/** "GET coap://ssn.../time" for messages and logs. */
export function describeRequest(spec: RequestSpec): string {
  return `${methodName(spec.method) ?? String(spec.method)} ${spec.target.uri}`;
}
