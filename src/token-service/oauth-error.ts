// The token endpoint's error catalog: RFC 6749 §5.2 codes with their HTTP status, in one place.

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unsupported_grant_type'
  | 'server_error'
  // Not in RFC 6749; an extension code (§8.5) for the 429 answer of the rate limiter.
  | 'too_many_requests';

export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

const STATUS: Readonly<Record<OAuthErrorCode, number>> = {
  invalid_request: 400,
  invalid_client: 401,
  unsupported_grant_type: 400,
  server_error: 500,
  too_many_requests: 429,
};

// RFC 6749 §5.1: token responses, errors included, must never be cached.
export const NO_STORE: Readonly<Record<string, string>> = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** RFC 6749 §5.2: error_description is ASCII %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash). */
const cleanDescription = (text: string): string => text.replace(/[^\x20-\x7e]|["\\]/g, '?');

export function oauthError(error: OAuthErrorCode, description: string, headers: Record<string, string> = {}): HttpReply {
  return {
    status: STATUS[error],
    headers: { ...NO_STORE, ...headers },
    body: { error, error_description: cleanDescription(description) },
  };
}

/** RFC 6749 §5.2: a failed Basic attempt must get 401 with a matching WWW-Authenticate challenge. */
export const BASIC_CHALLENGE: Readonly<Record<string, string>> = { 'www-authenticate': 'Basic realm="coap-gateway", charset="UTF-8"' };
