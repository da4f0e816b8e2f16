// Block-wise transfer on the client side (RFC 7959): Block1 for big request bodies, Block2 for big responses.
import { type Result, ok, err } from '../base/index.js';
import {
  Code, OptionNumber, codeClass, codeName, decodeBlock, encodeBlock, encodeUint, getOption, getUintOption, szxToSize,
  type BlockValue, type CoapOption, type Message,
} from '../coap/index.js';
import type { OutgoingRequest } from '../engine/index.js';

/** Sends one request and resolves with its response (rejects with the engine's RequestError). */
export type SendRequest = (request: OutgoingRequest) => Promise<Message>;

export interface TransferProgress {
  readonly direction: 'upload' | 'download';
  readonly bytes: number;
  /** From the body length (upload) or Size2 (download, RFC 7959 §4) when known. */
  readonly totalBytes: number | undefined;
  readonly blocks: number;
}

export interface TransferOptions {
  /** Preferred block size exponent: splits uploads, and asks for it on downloads (early negotiation, §2.4). */
  readonly blockSzx?: number;
  /** Largest response body accepted (default 64 MiB): a server that never ends M=1 cannot exhaust memory. */
  readonly maxBodyBytes?: number;
  readonly onProgress?: (progress: TransferProgress) => void;
}

/** The largest payload a single CoAP message should carry without a known path MTU (RFC 7252 §4.6). */
const DEFAULT_SZX = 6;
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;
/** A representation that changes mid-transfer is fetched again from block 0 at most this often (§2.4). */
const MAX_RESTARTS = 2;

function blockOf(message: Message, number: number): Result<BlockValue | undefined, string> {
  const raw = getOption(message, number);
  if (raw === undefined) return ok(undefined);
  return decodeBlock(raw);
}

function withBlockOptions(base: readonly CoapOption[], extra: readonly CoapOption[], drop: readonly number[]): CoapOption[] {
  return [...base.filter((o) => !drop.includes(o.number)), ...extra].sort((a, b) => a.number - b.number);
}

/**
 * Runs one request to completion: uploads a body larger than one block with Block1 (RFC 7959 §2.5),
 * then follows Block2 (§2.4) until the whole response body is there. The result is the final response
 * with the reassembled body and without the Block2 option; error responses end the transfer as they are.
 */
export async function transfer(send: SendRequest, request: OutgoingRequest, options: TransferOptions = {}): Promise<Result<Message, string>> {
  const body = request.payload ?? Buffer.alloc(0);
  const szx = options.blockSzx ?? DEFAULT_SZX;
  let response: Message;
  if (body.length > szxToSize(szx)) {
    const uploaded = await upload(send, request, body, szx, options);
    if (!uploaded.ok) return uploaded;
    response = uploaded.value;
  } else {
    const early = options.blockSzx !== undefined && (request.code === Code.GET || request.code === Code.FETCH);
    // RFC 7959 §2.4: early negotiation, Block2 NUM=0 M=0 with the wanted size in the first request.
    const first = early
      ? { ...request, options: withBlockOptions(request.options ?? [], [{ number: OptionNumber.BLOCK2, value: encodeBlock({ num: 0, more: false, szx }) }], [OptionNumber.BLOCK2]) }
      : request;
    response = await send(first);
  }
  return completeBlock2(send, request, response, options);
}

async function upload(send: SendRequest, request: OutgoingRequest, body: Buffer, startSzx: number, options: TransferOptions): Promise<Result<Message, string>> {
  let szx = startSzx;
  let offset = 0;
  let blocks = 0;
  let shrinks = 0;
  for (;;) {
    const size = szxToSize(szx);
    const num = offset / size;
    const more = offset + size < body.length;
    const extra: CoapOption[] = [{ number: OptionNumber.BLOCK1, value: encodeBlock({ num, more, szx }) }];
    // RFC 7959 §4: Size1 tells the server the whole body's size up front.
    if (num === 0) extra.push({ number: OptionNumber.SIZE1, value: encodeUint(body.length) });
    const response = await send({
      ...request,
      options: withBlockOptions(request.options ?? [], extra, [OptionNumber.BLOCK1, OptionNumber.SIZE1]),
      payload: body.subarray(offset, Math.min(offset + size, body.length)),
    });
    const echoed = blockOf(response, OptionNumber.BLOCK1);
    if (!echoed.ok) return err(`the server answered with a malformed Block1 option: ${echoed.error}`);
    // RFC 7959 §2.9.3: 4.13 with a smaller Block1 size in the answer invites a restart with that size.
    if (response.code === Code.REQUEST_ENTITY_TOO_LARGE && offset === 0 && echoed.value !== undefined && echoed.value.szx < szx && shrinks++ < 6) {
      szx = echoed.value.szx;
      continue;
    }
    blocks++;
    options.onProgress?.({ direction: 'upload', bytes: Math.min(offset + size, body.length), totalBytes: body.length, blocks });
    if (!more) return ok(response);
    // An error (or 4.08 Request Entity Incomplete, §2.9.2) ends the upload; 2.31 Continue (atomic) and
    // other 2.xx answers (a server acting on each block, §2.5) both ask for the next block.
    if (codeClass(response.code) !== 2) return ok(response);
    offset += size;
    // RFC 7959 §2.5: heed a smaller preferred size; the block number then counts in the new size.
    if (echoed.value !== undefined && echoed.value.szx < szx) szx = echoed.value.szx;
  }
}

/**
 * Follows Block2 (RFC 7959 §2.4) from a first response: fetches blocks 1..n with the request's options
 * (Observe, Block1 and Size1 removed, no payload; §2.7, §3.3 of RFC 7959 and RFC 7641 §3.4 for notifications)
 * and returns the response with the whole body. A response without Block2, or with M=0, is returned as is.
 */
export async function completeBlock2(send: SendRequest, request: OutgoingRequest, first: Message, options: TransferOptions = {}): Promise<Result<Message, string>> {
  let firstBlock = blockOf(first, OptionNumber.BLOCK2);
  if (!firstBlock.ok) return err(`the server answered with a malformed Block2 option: ${firstBlock.error}`);
  if (firstBlock.value === undefined || (!firstBlock.value.more && firstBlock.value.num === 0)) return ok(stripBlock2(first, first.payload));
  if (codeClass(first.code) !== 2) return ok(first);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  let head = first;
  let restarts = 0;
  for (;;) {
    const b0 = firstBlock.value as BlockValue;
    if (b0.num !== 0) return err(`the first response is block ${b0.num}, not block 0`);
    const etag = getOption(head, OptionNumber.ETAG);
    const chunks: Buffer[] = [head.payload];
    let bytes = head.payload.length;
    let blocks = 1;
    let totalBytes = getUintOption(head, OptionNumber.SIZE2);
    let size = b0.size;
    let more = b0.more;
    let restart = false;
    options.onProgress?.({ direction: 'download', bytes, totalBytes, blocks });
    while (more) {
      if (bytes % size !== 0) return err(`block of ${size} bytes expected, the server sent a short block before the end`);
      const num = bytes / size;
      const next = await send({
        code: request.code,
        ...(request.type === undefined ? {} : { type: request.type }),
        options: withBlockOptions(request.options ?? [], [{ number: OptionNumber.BLOCK2, value: encodeBlock({ num, more: false, szx: b0.szx }) }], [
          OptionNumber.BLOCK2, OptionNumber.BLOCK1, OptionNumber.SIZE1, OptionNumber.OBSERVE,
        ]),
      });
      if (codeClass(next.code) !== 2) return ok(next);
      const block = blockOf(next, OptionNumber.BLOCK2);
      if (!block.ok) return err(`block ${num}: malformed Block2 option: ${block.error}`);
      if (block.value === undefined) return err(`block ${num}: the ${codeName(next.code)} response has no Block2 option`);
      const nextEtag = getOption(next, OptionNumber.ETAG);
      // RFC 7959 §2.4: blocks of one body carry the same ETag; a new one means the resource changed.
      if ((etag === undefined) !== (nextEtag === undefined) || (etag !== undefined && nextEtag !== undefined && !etag.equals(nextEtag))) {
        if (restarts++ >= MAX_RESTARTS) return err('the resource kept changing during the block-wise transfer');
        restart = true;
        break;
      }
      if (block.value.num * block.value.size !== bytes) return err(`asked for the block at byte ${bytes}, got the one at byte ${block.value.num * block.value.size}`);
      chunks.push(next.payload);
      bytes += next.payload.length;
      blocks++;
      if (bytes > maxBody) return err(`the response body exceeds ${maxBody} bytes`);
      totalBytes = getUintOption(next, OptionNumber.SIZE2) ?? totalBytes;
      size = block.value.size;
      more = block.value.more;
      if (more && next.payload.length !== size) return err(`block ${block.value.num} has ${next.payload.length} bytes, not ${size}`);
      options.onProgress?.({ direction: 'download', bytes, totalBytes, blocks });
    }
    if (!restart) return ok(stripBlock2(head, Buffer.concat(chunks)));
    const again = await send({
      code: request.code,
      ...(request.type === undefined ? {} : { type: request.type }),
      options: withBlockOptions(request.options ?? [], [{ number: OptionNumber.BLOCK2, value: encodeBlock({ num: 0, more: false, szx: b0.szx }) }], [
        OptionNumber.BLOCK2, OptionNumber.BLOCK1, OptionNumber.SIZE1, OptionNumber.OBSERVE,
      ]),
    });
    if (codeClass(again.code) !== 2) return ok(again);
    firstBlock = blockOf(again, OptionNumber.BLOCK2);
    if (!firstBlock.ok || firstBlock.value === undefined) return ok(again);
    head = again;
  }
}

function stripBlock2(message: Message, payload: Buffer): Message {
  return { ...message, options: message.options.filter((o) => o.number !== OptionNumber.BLOCK2), payload };
}
