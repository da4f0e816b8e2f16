// /sessions: POST logs in with the token as UTF-8 text (2.01; 4.01 why; 4.29 at the limit), DELETE logs out (2.02 / 4.12).
import { Code, ContentFormat, OptionNumber, getUintOption, uriQuery } from '../../coap/index.js';
import type { TokenVerifier } from '../../auth/index.js';
import { clientKeyOf, type Claimed, type SessionService } from '../../sessions/index.js';
import { errorResponse, gatewayError, type ResponseParts } from '../errors.js';
import type { LocalRequest, LocalResource } from './local-resource.js';

export interface SessionsResourceOptions {
  readonly sessions: SessionService;
  readonly verifier: TokenVerifier;
  /** Concurrent sessions per account when the token carries no sessionLimit (SPEC §3.2: 10). */
  readonly defaultLimit: number;
  /** Told about every successful login (a sticky move takes observations along). */
  readonly onLogin?: (claimed: Claimed) => void;
}

const CREATED: ResponseParts = { code: Code.CREATED, options: [], payload: Buffer.alloc(0) };
const DELETED: ResponseParts = { code: Code.DELETED, options: [], payload: Buffer.alloc(0) };

/** The guide: "include the query parameter '&sticky=true'"; tolerate the leading "&" and letter case. */
export function wantsSticky(queries: readonly string[]): boolean {
  return queries.some((q) => q.replace(/^&+/, '').toLowerCase() === 'sticky=true');
}

export function createSessionsResource(o: SessionsResourceOptions): LocalResource {
  return {
    path: '/sessions',
    methods: [Code.POST, Code.DELETE],
    link: { rt: 'core.sessions', if: 'core.p', title: 'Log in: POST the token as text (?sticky=true); log out: DELETE' },
    handle: (request) => (request.message.code === Code.POST ? login(o, request) : logout(o, request)),
  };
}

async function login(o: SessionsResourceOptions, request: LocalRequest): Promise<ResponseParts> {
  const format = getUintOption(request.message, OptionNumber.CONTENT_FORMAT);
  // The guide: the token is POSTed as plain text UTF-8 ("-t 0").
  if (format !== undefined && format !== ContentFormat.TEXT_PLAIN) {
    return errorResponse(gatewayError('unsupported-content-format', 'Send the token as text/plain (Content-Format 0)'));
  }
  const token = request.message.payload.toString('utf8').trim();
  if (token === '') return errorResponse(gatewayError('login-refused', 'No token: POST the access token as the payload'));
  const verified = await o.verifier.verify(token);
  if (!verified.ok) return errorResponse(gatewayError('login-refused', verified.error.message));
  const claims = verified.value;
  const limit = claims.sessionLimit ?? o.defaultLimit;
  const result = await o.sessions.login({
    account: claims.subject,
    clientKey: clientKeyOf(request.from.address, request.from.port),
    sticky: wantsSticky(uriQuery(request.message)),
    limit,
    tokenExpiresAtMs: claims.expiresAt,
    tokenId: claims.jwtId,
    permissions: claims.permissions.rules,
  });
  if (!result.ok) {
    const f = result.error;
    if (f.kind === 'limit') {
      // RFC 8516: 4.29 Too Many Requests.
      return errorResponse(gatewayError('session-limit', `Session limit reached: account has ${f.active} of ${f.limit} sessions open`));
    }
    if (f.kind === 'unavailable') return errorResponse(gatewayError('overloaded', 'Session store unavailable, try again', 5));
    return errorResponse(gatewayError('login-refused', f.message));
  }
  o.onLogin?.(result.value);
  return CREATED;
}

async function logout(o: SessionsResourceOptions, request: LocalRequest): Promise<ResponseParts> {
  const closed = await o.sessions.logout(clientKeyOf(request.from.address, request.from.port));
  return closed ? DELETED : errorResponse(gatewayError('no-session-to-close'));
}
