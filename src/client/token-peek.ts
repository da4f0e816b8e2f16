// Reads a JWT's subject and expiry for display only (RFC 7519 §7.2 steps 1-7 without the signature: the gateway verifies).

export interface TokenPeek {
  readonly subject?: string;
  /** `exp` in wall-clock ms. */
  readonly expiresAtMs?: number;
}

/** Best effort: an opaque or malformed token gives an empty result, never an error. */
export function peekToken(token: string): TokenPeek {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return {};
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
  } catch {
    return {};
  }
  if (typeof claims !== 'object' || claims === null) return {};
  const c = claims as Record<string, unknown>;
  return {
    ...(typeof c['sub'] === 'string' ? { subject: c['sub'] } : {}),
    ...(typeof c['exp'] === 'number' && Number.isFinite(c['exp']) ? { expiresAtMs: c['exp'] * 1000 } : {}),
  };
}
