// CoAP request methods as account permissions name them: codes 1..7 and the read/write/all groups.

// RFC 7252 §12.1.1 (GET POST PUT DELETE) and RFC 8132 §6 (FETCH PATCH iPATCH): method code = 0.0x.
const METHOD_CODES: Readonly<Record<string, number>> = {
  get: 1,
  post: 2,
  put: 3,
  delete: 4,
  fetch: 5,
  patch: 6,
  ipatch: 7,
};

const bit = (code: number): number => 1 << code;

/** Safe methods (RFC 7252 §5.8, RFC 8132 §2): GET and FETCH. */
export const READ_MASK = bit(1) | bit(5);
/** Everything that can change a device: POST PUT DELETE PATCH iPATCH. */
export const WRITE_MASK = bit(2) | bit(3) | bit(4) | bit(6) | bit(7);
export const ALL_MASK = READ_MASK | WRITE_MASK;

const GROUPS: Readonly<Record<string, number>> = { read: READ_MASK, write: WRITE_MASK, all: ALL_MASK };

/** The method bits a permission word grants (case-insensitive), or undefined for an unknown word. */
export function methodMask(word: string): number | undefined {
  const key = word.toLowerCase();
  const group = GROUPS[key];
  if (group !== undefined) return group;
  const code = METHOD_CODES[key];
  return code === undefined ? undefined : bit(code);
}

/** True when the mask grants the request method code (1..7); any other code is refused. */
export function maskAllows(mask: number, methodCode: number): boolean {
  if (!Number.isInteger(methodCode) || methodCode < 1 || methodCode > 7) return false;
  return (mask & bit(methodCode)) !== 0;
}
