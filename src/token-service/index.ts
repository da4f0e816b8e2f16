// Public surface of token-service: the OAuth 2.0 client-credentials issuer, its accounts and client.
export {
  createTokenService, startTokenService, loadAccountsFile, DEFAULT_AUDIENCE,
  type TokenService, type TokenServiceOptions, type RunningTokenService,
} from './token-service.js';
export { parseAccounts, parseAccountsText, DEFAULT_SESSION_LIMIT, DEFAULT_TOKEN_LIFETIME_SEC, type Account } from './accounts.js';
export { hashSecret, parseStoredSecret, verifySecret, DEFAULT_SCRYPT_COST, type ScryptCost, type StoredSecret } from './secret-hash.js';
export { SIGNING_ALGORITHMS, KEY_FILE_NAME, type SigningAlgorithm } from './signing-keys.js';
export { DEFAULT_TOKEN_RATE_LIMITS, type TokenRateLimits, type TokenRequestEvent } from './token-endpoint.js';
export { TOKEN_SCOPE, type IssuedToken } from './token-issuer.js';
export { fetchToken, tokenUrlOf, type FetchTokenOptions, type FetchedToken } from './token-client.js';
