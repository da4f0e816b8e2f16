// Size of a request bound for a device: RFC 7252 §4.6 keeps every datagram to the mesh within one IP packet.
import { OptionNumber, encodeUint } from '../../coap/index.js';
import { errorResponse, gatewayError, type ResponseParts } from '../errors.js';
import { messageBytes, optionBytes } from '../message-size.js';
import type { UpstreamRequest } from '../translate.js';

/** RFC 7252 §4.6: "good upper bounds are 1152 bytes for the message size and 1024 bytes for the payload". */
export const MAX_MESSAGE_BYTES = 1152;
export const MAX_PAYLOAD_BYTES = 1024;
/** The upstream endpoint's tokens are at most 8 bytes (RFC 7252 §5.3.1). */
const UPSTREAM_TOKEN_BYTES = 8;

/**
 * undefined when `request` fits in one datagram of `maxMessageBytes` to the device; else the answer:
 * a payload that does not fit is 4.13 with Size1, the largest body that would (RFC 7252 §5.9.2.9,
 * §5.10.9; the client can send it block-wise, RFC 7959); options that alone do not fit are 4.00.
 */
export function oversizeResponse(request: UpstreamRequest, maxMessageBytes: number = MAX_MESSAGE_BYTES): ResponseParts | undefined {
  const size = messageBytes(UPSTREAM_TOKEN_BYTES, request.options, request.payload.length);
  if (size <= maxMessageBytes && request.payload.length <= MAX_PAYLOAD_BYTES) return undefined;
  const withoutPayload = 4 + UPSTREAM_TOKEN_BYTES + optionBytes(request.options);
  const room = Math.min(MAX_PAYLOAD_BYTES, maxMessageBytes - withoutPayload - 1);
  if (room < 16) {
    return errorResponse(gatewayError('bad-request', `Request options take ${withoutPayload} bytes; at most ${maxMessageBytes} fit in one datagram to the device`));
  }
  const tooLarge = errorResponse(gatewayError('request-too-large', `Body of ${request.payload.length} bytes; at most ${room} per datagram, send it block-wise (Block1)`));
  return { ...tooLarge, options: [...tooLarge.options, { number: OptionNumber.SIZE1, value: encodeUint(room) }].sort((a, b) => a.number - b.number) };
}
