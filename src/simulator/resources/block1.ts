// Block1 (RFC 7959 §2.5): atomic reassembly of a request body sent in blocks, with 2.31/4.08/4.13.
import { Code, OptionNumber, encodeBlock, getOptions, getUintOption, szxToSize, type BlockValue, type Message } from '../../coap/index.js';
import type { PeerAddress } from '../../transport/index.js';
import type { DeviceState, Upload } from '../device-state.js';
import { diagnostic, reply, type ResourceResponse } from './resource.js';

export type Block1Result =
  | { readonly kind: 'complete'; readonly payload: Buffer }
  | { readonly kind: 'answer'; readonly response: ResourceResponse };

/** Uploads a device keeps at once; the least recently touched one is dropped beyond that. */
const MAX_UPLOADS = 4;
/** An upload untouched this long is forgotten (the client gave up). */
const UPLOAD_IDLE_MS = 300_000;

function tooLarge(maxBytes: number): ResourceResponse {
  // RFC 7959 §2.9.3: 4.13 with Size1 giving the largest acceptable body.
  return diagnostic(Code.REQUEST_ENTITY_TOO_LARGE, `body larger than ${maxBytes} bytes`, [[OptionNumber.SIZE1, maxBytes]]);
}

/** RFC 7252 §5.9.2.9 / RFC 7959 §2.9.3: a body without blocks that is too large. */
export function checkWholeBody(message: Message, maxBytes: number): ResourceResponse | undefined {
  const size1 = getUintOption(message, OptionNumber.SIZE1);
  if (message.payload.length > maxBytes || (size1 !== undefined && size1 > maxBytes)) return tooLarge(maxBytes);
  return undefined;
}

function uploadKey(from: PeerAddress, path: string, message: Message): string {
  // RFC 9175 §3.3: blocks with different Request-Tag lists belong to different operations.
  const tags = getOptions(message, OptionNumber.REQUEST_TAG).map((t) => t.toString('hex'));
  return `${from.address}|${from.port}|${path}|${tags.join(',')}`;
}

/** Feeds one Block1 request into the device's uploads. */
export function receiveBlock1(
  state: DeviceState,
  message: Message,
  from: PeerAddress,
  path: string,
  block: BlockValue,
  maxBytes: number,
  nowMs: number,
): Block1Result {
  const uploads = (state.uploads ??= new Map<string, Upload>());
  for (const [k, u] of uploads) if (nowMs - u.touchedAtMs > UPLOAD_IDLE_MS) uploads.delete(k);
  const key = uploadKey(from, path, message);
  const size1 = getUintOption(message, OptionNumber.SIZE1);
  if (size1 !== undefined && size1 > maxBytes) {
    uploads.delete(key);
    return { kind: 'answer', response: tooLarge(maxBytes) };
  }
  const size = szxToSize(block.szx);
  const offset = block.num * size;
  const payload = message.payload;
  if (block.more && payload.length !== size) {
    // RFC 7959 §2.2: every block but the last carries exactly 2^(SZX+4) bytes.
    uploads.delete(key);
    return { kind: 'answer', response: diagnostic(Code.BAD_REQUEST, `block ${block.num} is not ${size} bytes`) };
  }
  let upload = uploads.get(key);
  if (block.num === 0) {
    upload = { startedAtMs: nowMs, szx: block.szx, chunks: [], received: 0, touchedAtMs: nowMs };
    uploads.delete(key);
    if (uploads.size >= MAX_UPLOADS) {
      const oldest = uploads.keys().next();
      if (oldest.done !== true) uploads.delete(oldest.value);
    }
    uploads.set(key, upload);
  } else if (upload === undefined || (offset !== upload.received && offset + payload.length !== upload.received)) {
    // RFC 7959 §2.9.2: a gap or a block out of order -> 4.08 Request Entity Incomplete.
    const expected = upload?.received ?? 0;
    return {
      kind: 'answer',
      response: diagnostic(Code.REQUEST_ENTITY_INCOMPLETE, `expected the block at byte ${expected}, got byte ${offset}`),
    };
  }
  upload.touchedAtMs = nowMs;
  if (offset === upload.received) {
    if (upload.received + payload.length > maxBytes) {
      uploads.delete(key);
      return { kind: 'answer', response: tooLarge(maxBytes) };
    }
    upload.chunks.push(Buffer.from(payload));
    upload.received += payload.length;
  }
  // else: the previous block again (its answer was lost); answer it the same way.
  const echo = { num: block.num, more: block.more, szx: block.szx };
  if (block.more) {
    // RFC 7959 §2.3: 2.31 Continue with M=1 says the server acts on the body atomically at the end.
    return { kind: 'answer', response: reply(Code.CONTINUE, undefined, undefined, [[OptionNumber.BLOCK1, encodeBlock(echo)]]) };
  }
  uploads.delete(key);
  return { kind: 'complete', payload: Buffer.concat(upload.chunks, upload.received) };
}
