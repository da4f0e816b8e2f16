// A small CBOR decoder (RFC 8949) for showing payloads: every major type, hostile input never throws.
import { type Result, ok, err } from '../base/index.js';

/** A decoded CBOR data item. Integers beyond 2^53 are bigint; maps keep their order and any key type. */
export type CborValue =
  | { readonly kind: 'int'; readonly value: number | bigint }
  | { readonly kind: 'bytes'; readonly value: Buffer }
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'array'; readonly items: readonly CborValue[] }
  | { readonly kind: 'map'; readonly entries: ReadonlyArray<readonly [CborValue, CborValue]> }
  | { readonly kind: 'tag'; readonly tag: number | bigint; readonly content: CborValue }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'simple'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'undefined' };

/** Nesting deeper than this is refused (a hostile payload must not exhaust the stack). */
const MAX_DEPTH = 64;
const BREAK = Symbol('break');

class Reader {
  offset = 0;
  constructor(readonly data: Buffer) {}

  get remaining(): number {
    return this.data.length - this.offset;
  }

  take(n: number): Buffer {
    if (n > this.remaining) throw new CborError(`truncated: needs ${n} bytes at offset ${this.offset}, ${this.remaining} left`);
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  byte(): number {
    return this.take(1)[0] as number;
  }
}

class CborError extends Error {}

/** RFC 8949 §3: the argument after the initial byte, as number when safe, else bigint. */
function readArgument(r: Reader, info: number): number | bigint {
  if (info < 24) return info;
  if (info === 24) return r.byte();
  if (info === 25) return r.take(2).readUInt16BE(0);
  if (info === 26) return r.take(4).readUInt32BE(0);
  if (info === 27) {
    const big = r.take(8).readBigUInt64BE(0);
    return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  // RFC 8949 §3: 28-30 are reserved; 31 (indefinite) is handled by the callers that allow it.
  throw new CborError(`reserved additional information ${info} at offset ${r.offset - 1}`);
}

/** A length or count that must fit in what is left of the input (no huge allocations from a short payload). */
function readCount(r: Reader, info: number, perItemBytes: number): number {
  const n = readArgument(r, info);
  if (typeof n === 'bigint' || n * perItemBytes > r.remaining) throw new CborError(`length ${String(n)} exceeds the ${r.remaining} bytes left`);
  return n;
}

/** RFC 8949 Appendix D: IEEE 754 half precision. */
function halfToNumber(half: number): number {
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

function readItem(r: Reader, depth: number, allowBreak: boolean): CborValue | typeof BREAK {
  if (depth > MAX_DEPTH) throw new CborError(`nesting deeper than ${MAX_DEPTH}`);
  const initial = r.byte();
  const major = initial >> 5;
  const info = initial & 0x1f;
  if (initial === 0xff) {
    if (allowBreak) return BREAK;
    throw new CborError(`unexpected "break" at offset ${r.offset - 1}`);
  }
  switch (major) {
    case 0:
      return { kind: 'int', value: readArgument(r, info) };
    case 1: {
      const n = readArgument(r, info);
      return { kind: 'int', value: typeof n === 'bigint' || n >= Number.MAX_SAFE_INTEGER ? -1n - BigInt(n) : -1 - n };
    }
    case 2:
    case 3: {
      let bytes: Buffer;
      if (info === 31) {
        // RFC 8949 §3.2.3: indefinite-length strings are chunks of the same major type.
        const chunks: Buffer[] = [];
        for (;;) {
          const chunkStart = r.byte();
          if (chunkStart === 0xff) break;
          if (chunkStart >> 5 !== major || (chunkStart & 0x1f) === 31) throw new CborError('bad chunk in an indefinite-length string');
          chunks.push(r.take(readCount(r, chunkStart & 0x1f, 1)));
        }
        bytes = Buffer.concat(chunks);
      } else bytes = r.take(readCount(r, info, 1));
      if (major === 2) return { kind: 'bytes', value: Buffer.from(bytes) };
      const text = new TextDecoder('utf-8', { fatal: true });
      try {
        return { kind: 'text', value: text.decode(bytes) };
      } catch {
        throw new CborError('text string is not valid UTF-8');
      }
    }
    case 4: {
      const items: CborValue[] = [];
      const count = info === 31 ? Infinity : readCount(r, info, 1);
      while (items.length < count) {
        const item = readItem(r, depth + 1, info === 31);
        if (item === BREAK) break;
        items.push(item);
      }
      return { kind: 'array', items };
    }
    case 5: {
      const entries: Array<readonly [CborValue, CborValue]> = [];
      const count = info === 31 ? Infinity : readCount(r, info, 2);
      while (entries.length < count) {
        const key = readItem(r, depth + 1, info === 31);
        if (key === BREAK) break;
        const value = readItem(r, depth + 1, false) as CborValue;
        entries.push([key, value]);
      }
      return { kind: 'map', entries };
    }
    case 6:
      return { kind: 'tag', tag: readArgument(r, info), content: readItem(r, depth + 1, false) as CborValue };
    default:
      return readSimple(r, info);
  }
}

/** RFC 8949 §3.3: major type 7, simple values and floats. */
function readSimple(r: Reader, info: number): CborValue {
  if (info === 20) return { kind: 'bool', value: false };
  if (info === 21) return { kind: 'bool', value: true };
  if (info === 22) return { kind: 'null' };
  if (info === 23) return { kind: 'undefined' };
  if (info < 20) return { kind: 'simple', value: info };
  if (info === 24) return { kind: 'simple', value: r.byte() };
  if (info === 25) return { kind: 'float', value: halfToNumber(r.take(2).readUInt16BE(0)) };
  if (info === 26) return { kind: 'float', value: r.take(4).readFloatBE(0) };
  if (info === 27) return { kind: 'float', value: r.take(8).readDoubleBE(0) };
  throw new CborError(`reserved simple value encoding ${info}`);
}

/** Decodes exactly one data item; trailing bytes are an error. */
export function decodeCbor(data: Buffer): Result<CborValue, string> {
  const items = decodeCborSequence(data);
  if (!items.ok) return items;
  if (items.value.length !== 1) return err(items.value.length === 0 ? 'empty CBOR payload' : `${items.value.length} data items where one was expected`);
  return ok(items.value[0] as CborValue);
}

/** Decodes a CBOR sequence (RFC 8742): zero or more items back to back. */
export function decodeCborSequence(data: Buffer): Result<CborValue[], string> {
  const r = new Reader(data);
  const out: CborValue[] = [];
  try {
    while (r.remaining > 0) out.push(readItem(r, 0, false) as CborValue);
  } catch (e) {
    return err(e instanceof CborError ? e.message : String(e));
  }
  return ok(out);
}

function floatText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** RFC 8949 §8 diagnostic notation, indented when `indent` is given and the item does not fit on a line. */
export function cborDiagnostic(value: CborValue, indent = '  ', level = 0): string {
  const flat = flatDiagnostic(value);
  if (indent === '' || flat.length + level * indent.length <= 80) return flat;
  const pad = indent.repeat(level + 1);
  const end = indent.repeat(level);
  if (value.kind === 'array' && value.items.length > 0) {
    return `[\n${value.items.map((v) => pad + cborDiagnostic(v, indent, level + 1)).join(',\n')}\n${end}]`;
  }
  if (value.kind === 'map' && value.entries.length > 0) {
    const lines = value.entries.map(([k, v]) => `${pad}${flatDiagnostic(k)}: ${cborDiagnostic(v, indent, level + 1)}`);
    return `{\n${lines.join(',\n')}\n${end}}`;
  }
  if (value.kind === 'tag') return `${String(value.tag)}(${cborDiagnostic(value.content, indent, level)})`;
  return flat;
}

function flatDiagnostic(value: CborValue): string {
  switch (value.kind) {
    case 'int':
      return String(value.value);
    case 'bytes':
      return `h'${value.value.toString('hex')}'`;
    case 'text':
      return JSON.stringify(value.value);
    case 'array':
      return `[${value.items.map(flatDiagnostic).join(', ')}]`;
    case 'map':
      return `{${value.entries.map(([k, v]) => `${flatDiagnostic(k)}: ${flatDiagnostic(v)}`).join(', ')}}`;
    case 'tag':
      return `${String(value.tag)}(${flatDiagnostic(value.content)})`;
    case 'float':
      return floatText(value.value);
    case 'simple':
      return `simple(${value.value})`;
    case 'bool':
      return String(value.value);
    case 'null':
      return 'null';
    case 'undefined':
      return 'undefined';
  }
}

/** A JSON-safe rendering for `--json` output: bytes as hex strings, big integers as decimal strings. */
export function cborToJson(value: CborValue): unknown {
  switch (value.kind) {
    case 'int':
      return typeof value.value === 'bigint' ? value.value.toString() : value.value;
    case 'bytes':
      return { bytes: value.value.toString('hex') };
    case 'text':
      return value.value;
    case 'array':
      return value.items.map(cborToJson);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value.entries) out[k.kind === 'text' ? k.value : flatDiagnostic(k)] = cborToJson(v);
      return out;
    }
    case 'tag':
      return { tag: typeof value.tag === 'bigint' ? value.tag.toString() : value.tag, value: cborToJson(value.content) };
    case 'float':
      return Number.isFinite(value.value) ? value.value : floatText(value.value);
    case 'simple':
      return { simple: value.value };
    case 'bool':
      return value.value;
    case 'null':
    case 'undefined':
      return null;
  }
}
