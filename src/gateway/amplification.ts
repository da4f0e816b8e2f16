// RFC 7252 §11.3: answers to a client whose address is not verified (no session) stay within 3x its request.
import type { ResponseParts } from './errors.js';
import { messageBytes } from './message-size.js';

/** RFC 9175 §2.4 item 3: a server should not send more than three times the request size unverified. */
export const AMPLIFICATION_FACTOR = 3;

/**
 * Shortens the diagnostic payload of an error response (4.xx/5.xx) so the answer to an unverified client
 * is at most AMPLIFICATION_FACTOR times its request; the code and options are kept, the text may go
 * entirely. Success responses pass unchanged: local ones are cut into Block2 slices elsewhere.
 */
export function limitUnverified(response: ResponseParts, requestBytes: number, tokenLength: number): ResponseParts {
  if (response.code >>> 5 < 4 || response.payload.length === 0) return response;
  const budget = AMPLIFICATION_FACTOR * requestBytes;
  if (messageBytes(tokenLength, response.options, response.payload.length) <= budget) return response;
  // The payload marker goes too when no byte of text fits.
  const room = budget - messageBytes(tokenLength, response.options, 0) - 1;
  let cut = Math.max(0, room);
  // Never split a UTF-8 sequence (RFC 7252 §5.5.2: the diagnostic is UTF-8).
  while (cut > 0 && ((response.payload[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return { ...response, payload: response.payload.subarray(0, cut) };
}
