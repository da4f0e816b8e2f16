// Codes: method and response code constants with their names, and Content-Format numbers.
import { codeText } from './message.js';

const c = (cls: number, detail: number): number => (cls << 5) | detail;

/** Code bytes (class << 5 | detail). RFC 7252 §12.1, RFC 7959, RFC 8132, RFC 8516, RFC 8768. */
export const Code = {
  EMPTY: 0,
  GET: c(0, 1),
  POST: c(0, 2),
  PUT: c(0, 3),
  DELETE: c(0, 4),
  FETCH: c(0, 5), // RFC 8132
  PATCH: c(0, 6), // RFC 8132
  IPATCH: c(0, 7), // RFC 8132
  CREATED: c(2, 1),
  DELETED: c(2, 2),
  VALID: c(2, 3),
  CHANGED: c(2, 4),
  CONTENT: c(2, 5),
  CONTINUE: c(2, 31), // RFC 7959
  BAD_REQUEST: c(4, 0),
  UNAUTHORIZED: c(4, 1),
  BAD_OPTION: c(4, 2),
  FORBIDDEN: c(4, 3),
  NOT_FOUND: c(4, 4),
  METHOD_NOT_ALLOWED: c(4, 5),
  NOT_ACCEPTABLE: c(4, 6),
  REQUEST_ENTITY_INCOMPLETE: c(4, 8), // RFC 7959
  CONFLICT: c(4, 9), // RFC 8132
  PRECONDITION_FAILED: c(4, 12),
  REQUEST_ENTITY_TOO_LARGE: c(4, 13),
  UNSUPPORTED_CONTENT_FORMAT: c(4, 15),
  UNPROCESSABLE_ENTITY: c(4, 22), // RFC 8132
  TOO_MANY_REQUESTS: c(4, 29), // RFC 8516
  INTERNAL_SERVER_ERROR: c(5, 0),
  NOT_IMPLEMENTED: c(5, 1),
  BAD_GATEWAY: c(5, 2),
  SERVICE_UNAVAILABLE: c(5, 3),
  GATEWAY_TIMEOUT: c(5, 4),
  PROXYING_NOT_SUPPORTED: c(5, 5),
  HOP_LIMIT_REACHED: c(5, 8), // RFC 8768
} as const;
export type Code = (typeof Code)[keyof typeof Code];

const NAMES: ReadonlyMap<number, string> = new Map([
  [Code.EMPTY, 'Empty'],
  [Code.GET, 'GET'],
  [Code.POST, 'POST'],
  [Code.PUT, 'PUT'],
  [Code.DELETE, 'DELETE'],
  [Code.FETCH, 'FETCH'],
  [Code.PATCH, 'PATCH'],
  [Code.IPATCH, 'iPATCH'],
  [Code.CREATED, 'Created'],
  [Code.DELETED, 'Deleted'],
  [Code.VALID, 'Valid'],
  [Code.CHANGED, 'Changed'],
  [Code.CONTENT, 'Content'],
  [Code.CONTINUE, 'Continue'],
  [Code.BAD_REQUEST, 'Bad Request'],
  [Code.UNAUTHORIZED, 'Unauthorized'],
  [Code.BAD_OPTION, 'Bad Option'],
  [Code.FORBIDDEN, 'Forbidden'],
  [Code.NOT_FOUND, 'Not Found'],
  [Code.METHOD_NOT_ALLOWED, 'Method Not Allowed'],
  [Code.NOT_ACCEPTABLE, 'Not Acceptable'],
  [Code.REQUEST_ENTITY_INCOMPLETE, 'Request Entity Incomplete'],
  [Code.CONFLICT, 'Conflict'],
  [Code.PRECONDITION_FAILED, 'Precondition Failed'],
  [Code.REQUEST_ENTITY_TOO_LARGE, 'Request Entity Too Large'],
  [Code.UNSUPPORTED_CONTENT_FORMAT, 'Unsupported Content-Format'],
  [Code.UNPROCESSABLE_ENTITY, 'Unprocessable Entity'],
  [Code.TOO_MANY_REQUESTS, 'Too Many Requests'],
  [Code.INTERNAL_SERVER_ERROR, 'Internal Server Error'],
  [Code.NOT_IMPLEMENTED, 'Not Implemented'],
  [Code.BAD_GATEWAY, 'Bad Gateway'],
  [Code.SERVICE_UNAVAILABLE, 'Service Unavailable'],
  [Code.GATEWAY_TIMEOUT, 'Gateway Timeout'],
  [Code.PROXYING_NOT_SUPPORTED, 'Proxying Not Supported'],
  [Code.HOP_LIMIT_REACHED, 'Hop Limit Reached'],
]);

/** "2.05 Content", "0.01 GET"; unregistered codes are just "c.dd". */
export function codeName(code: number): string {
  const name = NAMES.get(code);
  return name === undefined ? codeText(code) : `${codeText(code)} ${name}`;
}

/** "GET", "iPATCH"; undefined for a code that is not a registered method. */
export function methodName(code: number): string | undefined {
  return code >= 1 && code <= 31 ? NAMES.get(code) : undefined;
}

const METHODS_BY_NAME: ReadonlyMap<string, number> = new Map(
  [Code.GET, Code.POST, Code.PUT, Code.DELETE, Code.FETCH, Code.PATCH, Code.IPATCH].map(
    (m) => [(NAMES.get(m) as string).toUpperCase(), m] as const,
  ),
);

/** Method code from a name, case-insensitive ("get", "ipatch"). */
export function methodFromName(name: string): number | undefined {
  return METHODS_BY_NAME.get(name.toUpperCase());
}

/** RFC 7252 §12.3 and later registrations: CoAP Content-Format numbers. */
export const ContentFormat = {
  TEXT_PLAIN: 0,
  COSE_ENCRYPT0: 16,
  COSE_MAC0: 17,
  COSE_SIGN1: 18,
  LINK_FORMAT: 40,
  XML: 41,
  OCTET_STREAM: 42,
  EXI: 47,
  JSON: 50,
  JSON_PATCH_JSON: 51,
  MERGE_PATCH_JSON: 52,
  CBOR: 60,
  CWT: 61,
  MULTIPART_CORE: 62,
  CBOR_SEQ: 63,
  SENML_JSON: 110,
  SENSML_JSON: 111,
  SENML_CBOR: 112,
  SENSML_CBOR: 113,
  SENML_EXI: 114,
  SENSML_EXI: 115,
  COAP_GROUP_JSON: 256,
} as const;
export type ContentFormat = (typeof ContentFormat)[keyof typeof ContentFormat];

const CONTENT_FORMAT_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'text/plain;charset=utf-8'],
  [16, 'application/cose; cose-type="cose-encrypt0"'],
  [17, 'application/cose; cose-type="cose-mac0"'],
  [18, 'application/cose; cose-type="cose-sign1"'],
  [40, 'application/link-format'],
  [41, 'application/xml'],
  [42, 'application/octet-stream'],
  [47, 'application/exi'],
  [50, 'application/json'],
  [51, 'application/json-patch+json'],
  [52, 'application/merge-patch+json'],
  [60, 'application/cbor'],
  [61, 'application/cwt'],
  [62, 'application/multipart-core'],
  [63, 'application/cbor-seq'],
  [110, 'application/senml+json'],
  [111, 'application/sensml+json'],
  [112, 'application/senml+cbor'],
  [113, 'application/sensml+cbor'],
  [114, 'application/senml-exi'],
  [115, 'application/sensml-exi'],
  [256, 'application/coap-group+json'],
]);

/** Media type of a Content-Format number, or undefined when unknown. */
export function contentFormatName(format: number): string | undefined {
  return CONTENT_FORMAT_NAMES.get(format);
}
