// Public surface of auth: access-token verification (algorithms, JWKS, exp/nbf) and pure permissions.
export { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions, type TokenVerifiedEvent } from './token-verifier.js';
export { type TokenClaims } from './token-claims.js';
export { type VerifyFailure, type VerifyFailureReason } from './verify-failure.js';
export { compilePermissions, parsePermissions, type PermissionRule, type PermissionSet } from './permissions.js';
export { methodMask, READ_MASK, WRITE_MASK, ALL_MASK } from './methods.js';
export { DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS } from './key-fit.js';
