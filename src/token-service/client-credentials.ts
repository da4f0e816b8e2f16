// Reads the client's id and secret from HTTP Basic (RFC 6749 §2.3.1, RFC 7617) or the form body.
import { type Result, ok, err } from '../base/index.js';
import { BASIC_CHALLENGE, oauthError, type HttpReply } from './oauth-error.js';

/** A form body: each name with every value it was given (repeats are errors, RFC 6749 §3.2). */
export type FormParams = Readonly<Record<string, readonly string[]>>;

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly via: 'basic' | 'form';
}

/** One parameter: absent, or exactly one value. */
export function formParam(form: FormParams, name: string): Result<string | undefined, HttpReply> {
  const values = Object.hasOwn(form, name) ? form[name] : undefined;
  if (values === undefined || values.length === 0) return ok(undefined);
  if (values.length > 1) return err(oauthError('invalid_request', `parameter ${name} is repeated`));
  return ok(values[0]);
}

// RFC 6749 Appendix B: id and secret are form-urlencoded before they go into the Basic header.
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function readBasic(authorization: string): Result<ClientCredentials, HttpReply> {
  const refuse = (why: string): Result<never, HttpReply> => err(oauthError('invalid_client', why, BASIC_CHALLENGE));
  const m = /^(\S+)\s+(\S+)\s*$/.exec(authorization);
  // RFC 7235 §2.1: the scheme name is case-insensitive.
  if (m === null || m[1]?.toLowerCase() !== 'basic') return refuse('only HTTP Basic client authentication is supported');
  const encoded = m[2] ?? '';
  if (!BASE64.test(encoded)) return refuse('malformed Basic credentials');
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return refuse('malformed Basic credentials');
  const clientId = formDecode(decoded.slice(0, colon));
  const clientSecret = formDecode(decoded.slice(colon + 1));
  if (clientId === undefined || clientSecret === undefined) return refuse('malformed Basic credentials');
  return ok({ clientId, clientSecret, via: 'basic' });
}

/** Exactly one authentication method per request (RFC 6749 §2.3). */
export function readClientCredentials(authorization: string | undefined, form: FormParams): Result<ClientCredentials, HttpReply> {
  const formId = formParam(form, 'client_id');
  if (!formId.ok) return formId;
  const formSecret = formParam(form, 'client_secret');
  if (!formSecret.ok) return formSecret;
  if (authorization !== undefined) {
    if (formSecret.value !== undefined) return err(oauthError('invalid_request', 'use either HTTP Basic or client_secret, not both'));
    const basic = readBasic(authorization);
    if (basic.ok && formId.value !== undefined && formId.value !== basic.value.clientId) {
      return err(oauthError('invalid_request', 'client_id differs from the Basic user name'));
    }
    return basic;
  }
  if (formId.value === undefined || formSecret.value === undefined) {
    // RFC 6749 §5.2: no client authentication included.
    return err(oauthError('invalid_client', 'client authentication required (HTTP Basic, or client_id and client_secret)', BASIC_CHALLENGE));
  }
  return ok({ clientId: formId.value, clientSecret: formSecret.value, via: 'form' });
}
