// Block2 for local responses (RFC 7959 §2.4): honours the client's block requests, and slices answers to
// address-unverified clients so no datagram exceeds 3x the request (RFC 7252 §11.3, RFC 9175 §2.4).
import {
  Code,
  OptionNumber,
  decodeBlock,
  encodeBlock,
  encodeUint,
  getOption,
  sizeToSzx,
  sliceBlock,
  type CoapOption,
  type Message,
} from '../../coap/index.js';
import { type Result, ok, err } from '../../base/index.js';
import { gatewayError, type GatewayError, type ResponseParts } from '../errors.js';

/** Largest payload in one response without block-wise (RFC 7252 §4.6). */
const MAX_PAYLOAD = 1024;
/** Bytes of a response around its payload: header, token up to 8, Content-Format, Block2, Size2, marker. */
const RESPONSE_OVERHEAD = 4 + 8 + 3 + 4 + 4 + 1;
const AMPLIFICATION_FACTOR = 3;

function insertOptions(options: readonly CoapOption[], extra: readonly CoapOption[]): CoapOption[] {
  return [...options, ...extra].sort((a, b) => a.number - b.number);
}

/**
 * Cuts `response` into the block the client asked for (Block2 in the request), or into a first block
 * when the payload is too large for one datagram or for an unverified client. Non-2.05 responses and
 * small payloads pass unchanged.
 */
export function applyBlock2(request: Message, response: ResponseParts, requestBytes: number, verified: boolean): Result<ResponseParts, GatewayError> {
  const asked = getOption(request, OptionNumber.BLOCK2);
  let szx: number | undefined;
  let num = 0;
  if (asked !== undefined) {
    const block = decodeBlock(asked);
    // RFC 7959 §2.2: SZX 7 is reserved; 4.00.
    if (!block.ok) return err(gatewayError('bad-request', `Block2: ${block.error}`));
    szx = block.value.szx;
    num = block.value.num;
  }
  if (response.code !== Code.CONTENT) return ok(response);
  const limit = verified ? MAX_PAYLOAD : Math.min(MAX_PAYLOAD, Math.max(16, AMPLIFICATION_FACTOR * requestBytes - RESPONSE_OVERHEAD));
  const allowedSzx = sizeToSzx(limit);
  if (szx === undefined) {
    if (response.payload.length <= limit) return ok(response);
    szx = allowedSzx;
  } else if (szx > allowedSzx) {
    // RFC 7959 §2.4: the server may answer with a smaller block size; the block number scales.
    num = num * (1 << (szx - allowedSzx));
    szx = allowedSzx;
  }
  const slice = sliceBlock(response.payload, num, szx);
  if (slice === undefined) return err(gatewayError('bad-request', 'Block2: block number past the end'));
  const extra: CoapOption[] = [{ number: OptionNumber.BLOCK2, value: encodeBlock(slice.block) }];
  // RFC 7959 §4: Size2 tells the client the whole size with the first block.
  if (num === 0) extra.push({ number: OptionNumber.SIZE2, value: encodeUint(response.payload.length) });
  return ok({ code: response.code, options: insertOptions(response.options, extra), payload: slice.payload });
}
