// Fetches a token from a token service (what `coap-gateway token` and the friendly client use).
import { type Result, ok, err } from '../base/index.js';

export interface FetchTokenOptions {
  /** The service's base URL (`http://host:port`) or its full token URL. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

export interface FetchedToken {
  readonly accessToken: string;
  readonly expiresInSec: number | undefined;
  readonly scope: string | undefined;
}

/** RFC 6749 Appendix B: id and secret are form-urlencoded before Basic encoding. */
const formEncode = (text: string): string => encodeURIComponent(text).replace(/%20/g, '+');

export function tokenUrlOf(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/oauth/token';
  return u.toString();
}

export async function fetchToken(options: FetchTokenOptions): Promise<Result<FetchedToken, string>> {
  let target: string;
  try {
    target = tokenUrlOf(options.url);
  } catch {
    return err(`not a URL: ${options.url}`);
  }
  const basic = Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString('base64');
  let res: Response;
  try {
    res = await (options.fetch ?? globalThis.fetch)(target, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'grant_type=client_credentials',
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  } catch (e) {
    return err(`cannot reach ${target}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`);
  }
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // reported below with the status
  }
  if (!res.ok || typeof body['access_token'] !== 'string') {
    const detail = typeof body['error'] === 'string' ? `${body['error']}${typeof body['error_description'] === 'string' ? `: ${body['error_description']}` : ''}` : 'no token in the answer';
    return err(`token request failed (HTTP ${res.status}): ${detail}`);
  }
  return ok({
    accessToken: body['access_token'],
    expiresInSec: typeof body['expires_in'] === 'number' ? body['expires_in'] : undefined,
    scope: typeof body['scope'] === 'string' ? body['scope'] : undefined,
  });
}
