// Block1/Block2 option values (RFC 7959 §2.2): NUM, M and SZX packed in a 0-3 byte uint.
import { err, ok, type Result } from './result.js';

export interface BlockValue {
  /** Block number (0 .. 2^20 - 1). */
  readonly num: number;
  /** M: more blocks follow (Block2 response, Block1 request) or the size is only a preference. */
  readonly more: boolean;
  /** Size exponent 0-6: size = 2^(szx + 4). */
  readonly szx: number;
  /** Block size in bytes (16 .. 1024). */
  readonly size: number;
}

export const MAX_BLOCK_NUM = (1 << 20) - 1;
export const MAX_SZX = 6;

/** 2^(szx + 4): 16 .. 1024. */
export function szxToSize(szx: number): number {
  return 1 << (szx + 4);
}

/** The largest SZX whose block size fits in `size` bytes (at least 0, at most 6). */
export function sizeToSzx(size: number): number {
  let szx = 0;
  while (szx < MAX_SZX && szxToSize(szx + 1) <= size) szx++;
  return szx;
}

/** Decodes a Block1/Block2 value. SZX 7 is reserved (RFC 7959 §2.2: answer 4.00 in a request). */
export function decodeBlock(value: Buffer): Result<BlockValue, string> {
  if (value.length > 3) return err(`block option of ${value.length} bytes (max 3)`);
  let n = 0;
  for (let i = 0; i < value.length; i++) n = (n << 8) | (value[i] as number);
  const szx = n & 0x07;
  if (szx === 7) return err('block size exponent 7 is reserved');
  return ok({ num: n >>> 4, more: (n & 0x08) !== 0, szx, size: szxToSize(szx) });
}

/** Encodes a Block1/Block2 value in the shortest uint form (RFC 7959 §2.2; all zero = empty). */
export function encodeBlock(block: { readonly num: number; readonly more: boolean; readonly szx: number }): Buffer {
  const { num, more, szx } = block;
  if (!Number.isInteger(num) || num < 0 || num > MAX_BLOCK_NUM) throw new RangeError(`block number ${num}`);
  if (!Number.isInteger(szx) || szx < 0 || szx > MAX_SZX) throw new RangeError(`block szx ${szx}`);
  const n = (num << 4) | (more ? 0x08 : 0) | szx;
  if (n === 0) return Buffer.alloc(0);
  if (n < 0x100) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.from([n >>> 8, n & 0xff]);
  return Buffer.from([n >>> 16, (n >>> 8) & 0xff, n & 0xff]);
}

/** Makes a BlockValue (with its size) from its parts. */
export function makeBlock(num: number, more: boolean, szx: number): BlockValue {
  return { num, more, szx, size: szxToSize(szx) };
}

/**
 * Block `num` of a body cut in blocks of 2^(szx+4) bytes (RFC 7959 §2.4), as a view, with M set when
 * more follow. Undefined when the block starts past the end (except block 0 of an empty body).
 */
export function sliceBlock(body: Buffer, num: number, szx: number): { readonly payload: Buffer; readonly block: BlockValue } | undefined {
  const size = szxToSize(szx);
  const start = num * size;
  if (start > body.length || (start === body.length && num > 0)) return undefined;
  const end = Math.min(start + size, body.length);
  return { payload: body.subarray(start, end), block: makeBlock(num, end < body.length, szx) };
}
