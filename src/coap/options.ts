// Options: the option-number registry, RFC 7252 §5.4.6 class bits, typed accessors and immutable edits.
import type { CoapOption, Message } from './message.js';
import { EMPTY_BUFFER } from './message.js';

/** Option numbers (RFC 7252 §12.2 and the later RFCs named beside each). */
export const OptionNumber = {
  IF_MATCH: 1,
  URI_HOST: 3,
  ETAG: 4,
  IF_NONE_MATCH: 5,
  OBSERVE: 6, // RFC 7641
  URI_PORT: 7,
  LOCATION_PATH: 8,
  OSCORE: 9, // RFC 8613
  URI_PATH: 11,
  CONTENT_FORMAT: 12,
  MAX_AGE: 14,
  URI_QUERY: 15,
  HOP_LIMIT: 16, // RFC 8768
  ACCEPT: 17,
  Q_BLOCK1: 19, // RFC 9177
  LOCATION_QUERY: 20,
  BLOCK2: 23, // RFC 7959
  BLOCK1: 27, // RFC 7959
  SIZE2: 28, // RFC 7959
  Q_BLOCK2: 31, // RFC 9177
  PROXY_URI: 35,
  PROXY_SCHEME: 39,
  SIZE1: 60,
  ECHO: 252, // RFC 9175
  NO_RESPONSE: 258, // RFC 7967
  REQUEST_TAG: 292, // RFC 9175
} as const;
export type OptionNumber = (typeof OptionNumber)[keyof typeof OptionNumber];

/** RFC 7252 §3.2 option value formats. */
export type OptionFormat = 'empty' | 'opaque' | 'uint' | 'string';

export interface OptionDefinition {
  readonly number: number;
  readonly name: string;
  readonly format: OptionFormat;
  readonly minLength: number;
  readonly maxLength: number;
  readonly repeatable: boolean;
}

function def(number: number, name: string, format: OptionFormat, minLength: number, maxLength: number, repeatable: boolean): OptionDefinition {
  return Object.freeze({ number, name, format, minLength, maxLength, repeatable });
}

/** Known options with their formats and lengths (RFC 7252 §5.10 table; RFC 7641, 7959, 8613, 8768, 9175, 9177, 7967). */
export const OPTION_REGISTRY: ReadonlyMap<number, OptionDefinition> = new Map(
  [
    def(1, 'If-Match', 'opaque', 0, 8, true),
    def(3, 'Uri-Host', 'string', 1, 255, false),
    def(4, 'ETag', 'opaque', 1, 8, true),
    def(5, 'If-None-Match', 'empty', 0, 0, false),
    def(6, 'Observe', 'uint', 0, 3, false),
    def(7, 'Uri-Port', 'uint', 0, 2, false),
    def(8, 'Location-Path', 'string', 0, 255, true),
    def(9, 'OSCORE', 'opaque', 0, 255, false),
    def(11, 'Uri-Path', 'string', 0, 255, true),
    def(12, 'Content-Format', 'uint', 0, 2, false),
    def(14, 'Max-Age', 'uint', 0, 4, false),
    def(15, 'Uri-Query', 'string', 0, 255, true),
    def(16, 'Hop-Limit', 'uint', 1, 1, false),
    def(17, 'Accept', 'uint', 0, 2, false),
    def(19, 'Q-Block1', 'uint', 0, 3, false),
    def(20, 'Location-Query', 'string', 0, 255, true),
    def(23, 'Block2', 'uint', 0, 3, false),
    def(27, 'Block1', 'uint', 0, 3, false),
    def(28, 'Size2', 'uint', 0, 4, false),
    def(31, 'Q-Block2', 'uint', 0, 3, true), // RFC 9177: repeated to ask for several missing blocks
    def(35, 'Proxy-Uri', 'string', 1, 1034, false),
    def(39, 'Proxy-Scheme', 'string', 1, 255, false),
    def(60, 'Size1', 'uint', 0, 4, false),
    def(252, 'Echo', 'opaque', 1, 40, false),
    def(258, 'No-Response', 'uint', 0, 1, false),
    def(292, 'Request-Tag', 'opaque', 0, 8, true),
  ].map((d) => [d.number, d] as const),
);

export function optionDefinition(n: number): OptionDefinition | undefined {
  return OPTION_REGISTRY.get(n);
}

/** "Uri-Path", or "Option 2048" for an unknown number. */
export function optionName(n: number): string {
  return OPTION_REGISTRY.get(n)?.name ?? `Option ${n}`;
}

/** RFC 7252 §5.4.6: odd numbers are critical. */
export function isCritical(n: number): boolean {
  return (n & 1) === 1;
}

/** RFC 7252 §5.4.6: bit 1 set means Unsafe to forward. */
export function isUnsafe(n: number): boolean {
  return (n & 2) === 2;
}

/** RFC 7252 §5.4.6: NoCacheKey when bits 2-4 are all set (only meaningful for safe-to-forward options). */
export function isNoCacheKey(n: number): boolean {
  return (n & 0x1e) === 0x1c;
}

/** RFC 7252 §5.4.3/§5.4.5: whether one occurrence has a legal length for a known option (unknown: always true). */
export function isValidOptionLength(n: number, length: number): boolean {
  const d = OPTION_REGISTRY.get(n);
  return d === undefined || (length >= d.minLength && length <= d.maxLength);
}

export type OptionSource = Message | readonly CoapOption[];

function listOf(source: OptionSource): readonly CoapOption[] {
  return Array.isArray(source) ? (source as readonly CoapOption[]) : (source as Message).options;
}

/** The value of the first occurrence of option `n`. */
export function getOption(source: OptionSource, n: number): Buffer | undefined {
  const list = listOf(source);
  for (let i = 0; i < list.length; i++) {
    const o = list[i] as CoapOption;
    if (o.number === n) return o.value;
  }
  return undefined;
}

/** Every value of option `n`, in wire order. */
export function getOptions(source: OptionSource, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const o of listOf(source)) if (o.number === n) out.push(o.value);
  return out;
}

export function hasOption(source: OptionSource, n: number): boolean {
  return getOption(source, n) !== undefined;
}

/** RFC 7252 §3.2: big-endian unsigned integer, leading zeros allowed, empty = 0. Exact up to 6 bytes. */
export function decodeUint(value: Buffer): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) n = n * 256 + (value[i] as number);
  return n;
}

/** RFC 7252 §3.2: shortest big-endian form; 0 is the empty value. */
export function encodeUint(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative integer: ${n}`);
  if (n === 0) return EMPTY_BUFFER;
  let length = 0;
  for (let v = n; v > 0; v = Math.floor(v / 256)) length++;
  const out = Buffer.allocUnsafe(length);
  for (let i = length - 1, v = n; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

export function getUintOption(source: OptionSource, n: number): number | undefined {
  const v = getOption(source, n);
  return v === undefined ? undefined : decodeUint(v);
}

export function getStringOption(source: OptionSource, n: number): string | undefined {
  const v = getOption(source, n);
  return v === undefined ? undefined : v.toString('utf8');
}

/** The Uri-Path segments, decoded as UTF-8. */
export function uriPathSegments(options: OptionSource): string[] {
  return getOptions(options, OptionNumber.URI_PATH).map((v) => v.toString('utf8'));
}

/**
 * "/a/b" for Uri-Path a, b; "/" when absent. A "/" or "%" inside a segment is percent-encoded so that
 * one segment "a/b" never routes like two (RFC 7252 §6.5 step 8).
 */
export function uriPath(options: OptionSource): string {
  const segments = uriPathSegments(options);
  if (segments.length === 0) return '/';
  let out = '';
  for (const s of segments) out += '/' + (s.includes('/') || s.includes('%') ? s.replace(/%/g, '%25').replace(/\//g, '%2F') : s);
  return out;
}

/** The Uri-Query arguments, decoded as UTF-8 ("a=1", "b"). */
export function uriQuery(options: OptionSource): string[] {
  return getOptions(options, OptionNumber.URI_QUERY).map((v) => v.toString('utf8'));
}

function toValue(value: Buffer | string | number): Buffer {
  if (typeof value === 'number') return encodeUint(value);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return value;
}

/** Stable insertion after the last option numbered <= n; returns a new array. */
function insertSorted(list: readonly CoapOption[], option: CoapOption): CoapOption[] {
  const out: CoapOption[] = [];
  let inserted = false;
  for (const o of list) {
    if (!inserted && o.number > option.number) {
      out.push(option);
      inserted = true;
    }
    out.push(o);
  }
  if (!inserted) out.push(option);
  return out;
}

function sortedCopy(list: readonly CoapOption[]): CoapOption[] {
  return [...list].sort((a, b) => a.number - b.number);
}

/** Adds one occurrence of option `n` after any existing ones; numbers and strings are encoded. */
export function withOption(options: readonly CoapOption[], n: number, value: Buffer | string | number): CoapOption[] {
  return insertSorted(sortedCopy(options), { number: n, value: toValue(value) });
}

/** Replaces every occurrence of option `n` by one with `value`. */
export function setOption(options: readonly CoapOption[], n: number, value: Buffer | string | number): CoapOption[] {
  return insertSorted(
    sortedCopy(options).filter((o) => o.number !== n),
    { number: n, value: toValue(value) },
  );
}

/** Removes every occurrence of the given option numbers. */
export function withoutOptions(options: readonly CoapOption[], ...numbers: number[]): CoapOption[] {
  return sortedCopy(options).filter((o) => !numbers.includes(o.number));
}

/** Builds a sorted option list from [number, value] pairs (repeats keep their order). */
export function makeOptions(entries: ReadonlyArray<readonly [number, Buffer | string | number]>): CoapOption[] {
  return sortedCopy(entries.map(([number, value]) => ({ number, value: toValue(value) })));
}
