// Message: one decoded CoAP datagram (RFC 7252 §3), with options kept byte-exact and in order.

/** RFC 7252 §3: message types. */
export const MessageType = { CON: 0, NON: 1, ACK: 2, RST: 3 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const MESSAGE_TYPE_NAMES: readonly string[] = ['CON', 'NON', 'ACK', 'RST'];

/**
 * One option as it appeared on the wire. `value` is usually a view into the received datagram
 * (no copy), so a pass-through option is forwarded without being re-encoded.
 */
export interface CoapOption {
  readonly number: number;
  readonly value: Buffer;
}

export interface Message {
  readonly type: MessageType;
  /** Code as one byte: class << 5 | detail (0 = empty message). */
  readonly code: number;
  readonly messageId: number;
  readonly token: Buffer;
  /** Sorted by option number (as on the wire); repeated options keep their order. */
  readonly options: readonly CoapOption[];
  readonly payload: Buffer;
}

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

/** code byte from class and detail, e.g. code(2, 5) = 2.05. */
export function makeCode(codeClass: number, detail: number): number {
  return ((codeClass & 0x07) << 5) | (detail & 0x1f);
}

export function codeClass(code: number): number {
  return code >>> 5;
}

export function codeDetail(code: number): number {
  return code & 0x1f;
}

/** "2.05" style text for a code byte. */
export function codeText(code: number): string {
  return `${code >>> 5}.${String(code & 0x1f).padStart(2, '0')}`;
}

export function isRequestCode(code: number): boolean {
  return code >= 1 && code <= 31;
}

export function isResponseCode(code: number): boolean {
  return code >= 64 && code <= 191;
}
