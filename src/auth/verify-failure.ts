// Why a token was refused: a fixed reason for code and metrics, a short message for the 4.01 diagnostic.

export type VerifyFailureReason =
  | 'expired'
  | 'not-yet-valid'
  | 'unparsable'
  | 'unsigned'
  | 'bad-signature'
  | 'unknown-key'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'algorithm-not-allowed'
  | 'too-large';

export interface VerifyFailure {
  readonly reason: VerifyFailureReason;
  /** Short, human, ASCII; safe to send to the client (never holds key material or the token). */
  readonly message: string;
}

export const failure = (reason: VerifyFailureReason, message: string): VerifyFailure => ({ reason, message });

/** Quotes a token-supplied value for a message: short, printable ASCII only. */
export function quote(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}...` : value;
  return `"${cut.replace(/[^\x20-\x7e]|["\\]/g, '?')}"`;
}
