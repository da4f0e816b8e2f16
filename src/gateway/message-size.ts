// Encoded size of a CoAP message computed without encoding it (RFC 7252 §3, §3.1): for size limits on the hot path.
import type { CoapOption } from '../coap/index.js';

/** Bytes of one option's delta/length nibble extensions (RFC 7252 §3.1: 13..268 -> 1 byte, 269.. -> 2 bytes). */
function extensionBytes(n: number): number {
  return n < 13 ? 0 : n < 269 ? 1 : 2;
}

/** Bytes of `options` (sorted by number, as they are sent) in the encoded message. */
export function optionBytes(options: readonly CoapOption[]): number {
  let bytes = 0;
  let previous = 0;
  for (const o of options) {
    const delta = o.number - previous;
    bytes += 1 + extensionBytes(delta) + extensionBytes(o.value.length) + o.value.length;
    previous = o.number;
  }
  return bytes;
}

/** RFC 7252 §3: 4-byte header, token, options, then the payload marker and payload when there is one. */
export function messageBytes(tokenLength: number, options: readonly CoapOption[], payloadLength: number): number {
  return 4 + tokenLength + optionBytes(options) + (payloadLength > 0 ? 1 + payloadLength : 0);
}
