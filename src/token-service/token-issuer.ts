// Mints access tokens: JWTs (RFC 7519) in the RFC 9068 profile, signed with the current key, carrying
// the account's permissions and session limit.
import { SignJWT } from 'jose';
import type { Clock, Random } from '../base/index.js';
import type { Account } from './accounts.js';
import type { SigningKeys } from './signing-keys.js';

export interface IssuedToken {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresInSec: number;
  readonly scope: string;
  readonly jwtId: string;
}

export interface TokenIssuer {
  issue(account: Account): Promise<IssuedToken>;
}

export interface TokenIssuerOptions {
  readonly keys: SigningKeys;
  /** Read at every issue: the default issuer is the bound URL, known only after listen. */
  readonly issuer: () => string;
  readonly audience: string;
  readonly clock: Clock;
  readonly random: Random;
}

/** The one scope this service grants: use of the gateway, as far as `permissions` allow. */
export const TOKEN_SCOPE = 'coap-gateway';
const MAX_TOKEN_CHARS = 8192;

export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { keys, clock, random, audience } = options;
  return {
    async issue(account) {
      const key = await keys.current();
      const nowSec = Math.floor(clock.wallNow() / 1000);
      const jwtId = random.bytes(16).toString('base64url');
      const accessToken = await new SignJWT({
        client_id: account.clientId,
        scope: TOKEN_SCOPE,
        permissions: account.permissions,
        sessionLimit: account.sessionLimit,
      })
        // RFC 9068 §2.1: typ "at+jwt" tells access tokens apart from other JWTs of this issuer.
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .setIssuer(options.issuer())
        .setSubject(account.clientId)
        .setAudience(audience)
        .setIssuedAt(nowSec)
        .setNotBefore(nowSec)
        .setExpirationTime(nowSec + account.tokenLifetimeSec)
        .setJti(jwtId)
        .sign(key.privateKey);
      // Accounts are validated to stay far below this; it guards the verifier's 8 KB limit.
      if (accessToken.length > MAX_TOKEN_CHARS) throw new Error(`token for ${account.clientId} exceeds ${MAX_TOKEN_CHARS} bytes`);
      return { accessToken, tokenType: 'Bearer', expiresInSec: account.tokenLifetimeSec, scope: TOKEN_SCOPE, jwtId };
    },
  };
}
