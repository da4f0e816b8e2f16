// Block1/Block2 option values (RFC 7959 §2.2): NUM, M and SZX packed in 0-3 bytes.
import { decodeUint, encodeUint } from '../../coap/index.js';

export interface BlockValue {
  readonly num: number;
  readonly more: boolean;
  /** Block size exponent: size = 2^(szx + 4). 7 is reserved (BERT, RFC 8323) and rejected over UDP. */
  readonly szx: number;
}

/** undefined when the value is longer than 3 bytes (RFC 7959 §2.2: then the option is unrecognized). */
export function decodeBlock(value: Buffer): BlockValue | undefined {
  if (value.length > 3) return undefined;
  const n = decodeUint(value);
  return { num: Math.floor(n / 16), more: (n & 0x08) !== 0, szx: n & 0x07 };
}

export function encodeBlock(block: BlockValue): Buffer {
  return encodeUint(block.num * 16 + (block.more ? 8 : 0) + block.szx);
}

export function blockSize(szx: number): number {
  return 1 << (szx + 4);
}
