// POST /oauth/token: the client credentials grant (RFC 6749 §4.4) with rate limiting of failures,
// as a function from request parts to a reply, so it is tested without sockets.
import type { Clock } from '../base/index.js';
import { channel, type Logger } from '../telemetry/index.js';
import type { Account } from './accounts.js';
import { formParam, readClientCredentials, type FormParams } from './client-credentials.js';
import { NO_STORE, BASIC_CHALLENGE, oauthError, type HttpReply } from './oauth-error.js';
import { addressKey, createRateLimiter, type RateLimit } from './rate-limiter.js';
import { verifySecret, type StoredSecret } from './secret-hash.js';
import type { TokenIssuer } from './token-issuer.js';

export interface TokenRateLimits {
  /** Failed authentications per client id. */
  readonly failuresPerClient: RateLimit;
  /** Failed authentications per client address (IPv6: per /64). */
  readonly failuresPerAddress: RateLimit;
  /** All token requests per client address: each costs a scrypt check. */
  readonly requestsPerAddress: RateLimit;
}

export const DEFAULT_TOKEN_RATE_LIMITS: TokenRateLimits = {
  failuresPerClient: { limit: 10, windowMs: 60_000 },
  failuresPerAddress: { limit: 30, windowMs: 60_000 },
  requestsPerAddress: { limit: 600, windowMs: 60_000 },
};

export interface TokenRequest {
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  /** The parsed form body; undefined when the body was absent or of another type. */
  readonly form: FormParams | undefined;
  readonly address: string;
}

export interface TokenEndpointDeps {
  readonly accounts: ReadonlyMap<string, Account>;
  readonly issuer: TokenIssuer;
  readonly limits: TokenRateLimits;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Checked for unknown client ids, so their answer takes as long as a wrong secret's. */
  readonly dummySecret: StoredSecret;
}

/** `coap-gateway:token-service.token` events: one per request, success or refusal. */
export interface TokenRequestEvent {
  readonly clientId: string | undefined;
  readonly address: string;
  readonly outcome: 'issued' | 'refused';
  readonly error?: string;
}
const tokenChannel = channel<TokenRequestEvent>('token-service.token');

const tooMany = (ms: number, what: string): HttpReply =>
  oauthError('too_many_requests', `too many ${what}; retry later`, { 'retry-after': String(Math.ceil(ms / 1000)) });

export function createTokenEndpoint(deps: TokenEndpointDeps): (request: TokenRequest) => Promise<HttpReply> {
  const { accounts, clock, logger, limits } = deps;
  const clientFailures = createRateLimiter(limits.failuresPerClient, clock);
  const addressFailures = createRateLimiter(limits.failuresPerAddress, clock);
  const addressRequests = createRateLimiter(limits.requestsPerAddress, clock);

  async function handle(request: TokenRequest, address: string): Promise<HttpReply & { clientId?: string }> {
    const requestsWait = addressRequests.blockedForMs(address);
    if (requestsWait > 0) return tooMany(requestsWait, 'token requests from this address');
    addressRequests.hit(address);
    const failuresWait = addressFailures.blockedForMs(address);
    if (failuresWait > 0) return tooMany(failuresWait, 'failed attempts from this address');

    // RFC 6749 §4.4.2: the parameters come form-encoded in the request body.
    if (request.form === undefined || !/^application\/x-www-form-urlencoded\b/i.test(request.contentType ?? '')) {
      return oauthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    const grantType = formParam(request.form, 'grant_type');
    if (!grantType.ok) return grantType.error;
    if (grantType.value === undefined) return oauthError('invalid_request', 'grant_type is missing');
    if (grantType.value !== 'client_credentials') {
      return oauthError('unsupported_grant_type', 'only grant_type=client_credentials is supported');
    }
    const scope = formParam(request.form, 'scope');
    if (!scope.ok) return scope.error;

    const credentials = readClientCredentials(request.authorization, request.form);
    if (!credentials.ok) {
      addressFailures.hit(address);
      return credentials.error;
    }
    const { clientId, clientSecret, via } = credentials.value;
    const clientWait = clientFailures.blockedForMs(clientId);
    if (clientWait > 0) return { ...tooMany(clientWait, 'failed attempts for this client'), clientId };

    const account = accounts.get(clientId);
    // Unknown id or wrong secret: the same answer, after the same amount of work.
    const matches = await verifySecret(clientSecret, account?.secret ?? deps.dummySecret);
    if (account === undefined || !matches) {
      clientFailures.hit(clientId);
      addressFailures.hit(address);
      return {
        ...oauthError('invalid_client', 'client authentication failed', via === 'basic' ? BASIC_CHALLENGE : {}),
        clientId,
      };
    }
    const token = await deps.issuer.issue(account);
    // RFC 6749 §5.1; the scope is always the one this service grants (§3.3 allows ignoring the request).
    const body = { access_token: token.accessToken, token_type: token.tokenType, expires_in: token.expiresInSec, scope: token.scope };
    return { status: 200, headers: { ...NO_STORE }, body, clientId };
  }

  return async (request) => {
    const address = addressKey(request.address);
    let reply: HttpReply & { clientId?: string };
    try {
      reply = await handle(request, address);
    } catch (e) {
      logger.error({ err: e instanceof Error ? e.message : String(e) }, 'token request failed');
      reply = oauthError('server_error', 'the token could not be issued');
    }
    const { clientId, ...httpReply } = reply;
    const error = reply.status === 200 ? undefined : (reply.body as { error?: string }).error;
    if (error !== undefined) logger.warn({ clientId, address: request.address, error }, 'token request refused');
    if (tokenChannel.hasSubscribers) {
      tokenChannel.publish({ clientId, address: request.address, outcome: error === undefined ? 'issued' : 'refused', ...(error !== undefined ? { error } : {}) });
    }
    return httpReply;
  };
}
