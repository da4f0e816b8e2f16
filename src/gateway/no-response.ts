// RFC 7967 No-Response: whether the client asked not to get a response of a given class.
import { OptionNumber, decodeUint, getOption, type Message } from '../coap/index.js';

/** RFC 7967 §2.1: bit 2 suppresses 2.xx, bit 8 suppresses 4.xx, bit 16 suppresses 5.xx; 0 suppresses none. */
const CLASS_BITS: Readonly<Record<number, number>> = { 2: 0x02, 4: 0x08, 5: 0x10 };

export function isSuppressed(request: Message, responseCode: number): boolean {
  const value = getOption(request, OptionNumber.NO_RESPONSE);
  // RFC 7967 §2: the option is at most one byte; a malformed one is ignored (elective).
  if (value === undefined || value.length > 1) return false;
  const bit = CLASS_BITS[responseCode >>> 5] ?? 0;
  return (decodeUint(value) & bit) !== 0;
}
