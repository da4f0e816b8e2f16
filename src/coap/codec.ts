// Codec: RFC 7252 §3 datagram <-> Message, options byte-exact and zero-copy, hostile input never throws.
import { EMPTY_BUFFER, type CoapOption, type Message, type MessageType } from './message.js';
import { err, ok, type Result } from './result.js';

/** Stable machine-readable kind of a format error (the `reason` is for humans). */
export type DecodeErrorKind =
  | 'too-short'
  | 'bad-version'
  | 'bad-token-length'
  | 'reserved-code'
  | 'bad-empty-message'
  | 'truncated-token'
  | 'bad-option-delta'
  | 'bad-option-length'
  | 'truncated-option'
  | 'option-number-too-large'
  | 'empty-payload';

/**
 * A message format error. `type` and `messageId` are present when the 4-byte header was readable, so
 * the engine can RST a malformed CON (RFC 7252 §4.2). A `bad-version` message must be silently
 * ignored instead (RFC 7252 §3).
 */
export interface DecodeError {
  readonly kind: DecodeErrorKind;
  readonly reason: string;
  readonly type?: MessageType;
  readonly messageId?: number;
}

const PAYLOAD_MARKER = 0xff;
const MAX_OPTION_NUMBER = 65535;
/** Largest value length the 14 extension can express: 65535 + 269. */
const MAX_OPTION_LENGTH = 65535 + 269;

// A plain function, not a closure over type/messageId: a closure here halves decode speed in V8.
function failure(type: MessageType, messageId: number, kind: DecodeErrorKind, reason: string): Result<Message, DecodeError> {
  return err({ kind, reason, type, messageId });
}

/** Decodes one datagram. Option values, token and payload are views into `datagram` (no copy). */
export function decode(datagram: Buffer): Result<Message, DecodeError> {
  const length = datagram.length;
  if (length < 4) return err({ kind: 'too-short', reason: `datagram of ${length} bytes is shorter than the 4-byte header` });
  const b0 = datagram[0] as number;
  const type = ((b0 >>> 4) & 0x03) as MessageType;
  const tokenLength = b0 & 0x0f;
  const code = datagram[1] as number;
  const messageId = ((datagram[2] as number) << 8) | (datagram[3] as number);

  // RFC 7252 §3: Version MUST be 1; other versions are silently ignored by the caller.
  if (b0 >>> 6 !== 1) return failure(type, messageId, 'bad-version', `unsupported version ${b0 >>> 6}`);
  // RFC 7252 §3: token lengths 9-15 are reserved and a message format error.
  if (tokenLength > 8) return failure(type, messageId, 'bad-token-length', `token length ${tokenLength} is reserved`);
  // RFC 7252 §12.1: classes 1, 6 and 7 are reserved.
  const cls = code >>> 5;
  if (cls === 1 || cls === 6 || cls === 7) return failure(type, messageId, 'reserved-code', `code class ${cls} is reserved`);
  if (code === 0) {
    // RFC 7252 §4.1: an Empty message has TKL 0 and nothing after the Message ID.
    if (tokenLength !== 0 || length !== 4) return failure(type, messageId, 'bad-empty-message', 'empty message (0.00) with token, options or payload');
    return ok({ type, code, messageId, token: EMPTY_BUFFER, options: [], payload: EMPTY_BUFFER });
  }
  let pos = 4 + tokenLength;
  if (pos > length) return failure(type, messageId, 'truncated-token', `token of ${tokenLength} bytes runs past the end`);
  const token = tokenLength === 0 ? EMPTY_BUFFER : datagram.subarray(4, pos);

  const options: CoapOption[] = [];
  let payload = EMPTY_BUFFER;
  let number = 0;
  while (pos < length) {
    const head = datagram[pos++] as number;
    if (head === PAYLOAD_MARKER) {
      // RFC 7252 §3: a marker followed by a zero-length payload is a message format error.
      if (pos === length) return failure(type, messageId, 'empty-payload', 'payload marker followed by no payload');
      payload = datagram.subarray(pos);
      break;
    }
    // RFC 7252 §3.1: nibbles 13 and 14 take 1 and 2 extension bytes; 15 is reserved.
    let delta = head >>> 4;
    let len = head & 0x0f;
    if (delta === 13) {
      if (pos >= length) return failure(type, messageId, 'truncated-option', 'option delta extension runs past the end');
      delta = (datagram[pos++] as number) + 13;
    } else if (delta === 14) {
      if (pos + 1 >= length) return failure(type, messageId, 'truncated-option', 'option delta extension runs past the end');
      delta = (((datagram[pos] as number) << 8) | (datagram[pos + 1] as number)) + 269;
      pos += 2;
    } else if (delta === 15) {
      return failure(type, messageId, 'bad-option-delta', 'option delta nibble 15 outside the payload marker');
    }
    if (len === 13) {
      if (pos >= length) return failure(type, messageId, 'truncated-option', 'option length extension runs past the end');
      len = (datagram[pos++] as number) + 13;
    } else if (len === 14) {
      if (pos + 1 >= length) return failure(type, messageId, 'truncated-option', 'option length extension runs past the end');
      len = (((datagram[pos] as number) << 8) | (datagram[pos + 1] as number)) + 269;
      pos += 2;
    } else if (len === 15) {
      return failure(type, messageId, 'bad-option-length', 'option length nibble 15 outside the payload marker');
    }
    number += delta;
    if (number > MAX_OPTION_NUMBER) return failure(type, messageId, 'option-number-too-large', `option number ${number} exceeds 65535`);
    const end = pos + len;
    if (end > length) return failure(type, messageId, 'truncated-option', `option ${number} value of ${len} bytes runs past the end`);
    options.push({ number, value: datagram.subarray(pos, end) });
    pos = end;
  }
  return ok({ type, code, messageId, token, options, payload });
}

function isSorted(options: readonly CoapOption[]): boolean {
  for (let i = 1; i < options.length; i++) {
    if ((options[i] as CoapOption).number < (options[i - 1] as CoapOption).number) return false;
  }
  return true;
}

function extendedSize(n: number): number {
  return n < 13 ? 0 : n < 269 ? 1 : 2;
}

/**
 * Encodes a message into one buffer of the exact size. Options are written in ascending number
 * order (RFC 7252 §3.1); an unsorted list is sorted stably, so repeats keep their order.
 * Throws RangeError only for a message no datagram can carry (a programming error, never input).
 */
export function encode(message: Message): Buffer {
  const token = message.token;
  const tokenLength = token.length;
  if (tokenLength > 8) throw new RangeError(`token of ${tokenLength} bytes (max 8)`);
  const options = isSorted(message.options)
    ? message.options
    : [...message.options].sort((a, b) => a.number - b.number);
  const payload = message.payload;

  let size = 4 + tokenLength;
  let previous = 0;
  for (let i = 0; i < options.length; i++) {
    const option = options[i] as CoapOption;
    const delta = option.number - previous;
    const len = option.value.length;
    if (option.number > MAX_OPTION_NUMBER || option.number < 0) throw new RangeError(`option number ${option.number}`);
    if (len > MAX_OPTION_LENGTH) throw new RangeError(`option ${option.number} value of ${len} bytes`);
    size += 1 + extendedSize(delta) + extendedSize(len) + len;
    previous = option.number;
  }
  // RFC 7252 §3: no payload marker when the payload is empty.
  if (payload.length > 0) size += 1 + payload.length;

  const out = Buffer.allocUnsafe(size);
  out[0] = 0x40 | ((message.type & 0x03) << 4) | tokenLength;
  out[1] = message.code;
  out[2] = (message.messageId >>> 8) & 0xff;
  out[3] = message.messageId & 0xff;
  let pos = 4;
  for (let i = 0; i < tokenLength; i++) out[pos++] = token[i] as number;

  previous = 0;
  for (let i = 0; i < options.length; i++) {
    const option = options[i] as CoapOption;
    const value = option.value;
    const delta = option.number - previous;
    const len = value.length;
    previous = option.number;
    const headPos = pos++;
    let head: number;
    if (delta < 13) head = delta << 4;
    else if (delta < 269) {
      head = 13 << 4;
      out[pos++] = delta - 13;
    } else {
      head = 14 << 4;
      out[pos++] = (delta - 269) >>> 8;
      out[pos++] = (delta - 269) & 0xff;
    }
    if (len < 13) head |= len;
    else if (len < 269) {
      head |= 13;
      out[pos++] = len - 13;
    } else {
      head |= 14;
      out[pos++] = (len - 269) >>> 8;
      out[pos++] = (len - 269) & 0xff;
    }
    out[headPos] = head;
    if (len < 16) {
      for (let j = 0; j < len; j++) out[pos++] = value[j] as number;
    } else {
      value.copy(out, pos);
      pos += len;
    }
  }
  if (payload.length > 0) {
    out[pos++] = PAYLOAD_MARKER;
    if (payload.length < 16) for (let j = 0; j < payload.length; j++) out[pos++] = payload[j] as number;
    else payload.copy(out, pos);
  }
  return out;
}
