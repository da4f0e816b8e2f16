// Block2 (RFC 7959 §2.4): serves one block of a complete response at the size the client asked for.
import { OptionNumber, codeClass, decodeBlock, encodeBlock, getOption, setOption, szxToSize, type BlockValue } from '../../coap/index.js';
import type { ResourceResponse } from './resource.js';

/** A 4-byte ETag from the body (FNV-1a), so every block of one representation carries the same one. */
export function etagOf(body: Buffer): Buffer {
  let h = 0x811c9dc5;
  for (let i = 0; i < body.length; i++) {
    h ^= body[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE(h >>> 0, 0);
  return out;
}

export type SliceResult = { readonly ok: true; readonly response: ResourceResponse; readonly sliced: boolean } | { readonly ok: false };

/**
 * Cuts `response` to the block `requested` asks for (or block 0 when the body is larger than the
 * device's largest block, RFC 7959 §2.4 late negotiation). The device never sends a block larger than
 * the one asked for, nor than 2^(maxSzx+4). ok:false when the block lies beyond the end.
 */
export function sliceResponse(response: ResourceResponse, requested: Pick<BlockValue, 'num' | 'szx'> | undefined, maxSzx: number): SliceResult {
  const body = response.payload ?? Buffer.alloc(0);
  // RFC 7959 §2.2: Block2 in an error response is not used; errors are sent whole.
  if (codeClass(response.code) !== 2) return { ok: true, response, sliced: false };
  if (requested === undefined && body.length <= szxToSize(maxSzx)) return { ok: true, response, sliced: false };
  const askedSzx = requested?.szx ?? maxSzx;
  const szx = Math.min(askedSzx, maxSzx);
  const size = szxToSize(szx);
  // RFC 7959 §2.4: with a smaller size than asked for, the same byte offset gets a larger NUM.
  const offset = (requested?.num ?? 0) * szxToSize(askedSzx);
  if (offset > 0 && offset >= body.length) return { ok: false };
  const more = offset + size < body.length;
  let options = setOption(response.options ?? [], OptionNumber.BLOCK2, encodeBlock({ num: offset / size, more, szx }));
  if (getOption(options, OptionNumber.ETAG) === undefined) options = setOption(options, OptionNumber.ETAG, etagOf(body));
  // RFC 7959 §4: Size2 tells the client the whole size up front.
  if (offset === 0 && more) options = setOption(options, OptionNumber.SIZE2, body.length);
  return { ok: true, response: { code: response.code, options, payload: body.subarray(offset, offset + size) }, sliced: more || offset > 0 };
}

/** The request's Block2 option: undefined when absent, a string saying why when malformed. */
export function requestedBlock2(options: Parameters<typeof getOption>[0]): BlockValue | string | undefined {
  const v = getOption(options, OptionNumber.BLOCK2);
  if (v === undefined) return undefined;
  const b = decodeBlock(v);
  return b.ok ? b.value : b.error;
}
