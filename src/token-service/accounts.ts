// The accounts file (a STABLE interface, SPEC §4; documented in docs/accounts.md), validated with
// field-path errors:
//   { "accounts": [ { "clientId": "meter-app",              required; printable ASCII, no ':' or space
//                     "secret": "scrypt$N=...$...$...",      from `coap-gateway hash-secret`, or "plain:..."
//                     "sessionLimit": 10,                     optional, concurrent sessions, default 10
//                     "tokenLifetimeSec": 3600,               optional, default 3600
//                     "permissions": [ { "devices": ["SSN0013*.example.test"], "methods": ["GET", "read"] } ] } ] }
// "$comment" may appear in any object. Unknown fields are errors, so a typo never silently loosens a limit.
import { type Result, ok, err } from '../base/index.js';
import { parsePermissions, type PermissionRule } from '../auth/index.js';
import { parseStoredSecret, type StoredSecret } from './secret-hash.js';

export interface Account {
  readonly clientId: string;
  readonly secret: StoredSecret;
  readonly sessionLimit: number;
  readonly tokenLifetimeSec: number;
  readonly permissions: readonly PermissionRule[];
}

export const DEFAULT_SESSION_LIMIT = 10;
export const DEFAULT_TOKEN_LIFETIME_SEC = 3600;
const MAX_TOKEN_LIFETIME_SEC = 7 * 86_400;
const MAX_SESSION_LIMIT = 1_000_000;
// Keeps every token far below the verifier's 8 KB limit.
const MAX_PERMISSIONS_JSON = 4096;
const CLIENT_ID = /^[\x21-\x39\x3b-\x7e]{1,128}$/;
const ACCOUNT_FIELDS = new Set(['clientId', 'secret', 'sessionLimit', 'tokenLifetimeSec', 'permissions', '$comment']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function integerField(
  raw: Record<string, unknown>, name: string, at: string, fallback: number, max: number, errors: string[],
): number {
  const value = raw[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    errors.push(`${at}.${name}: must be an integer from 1 to ${max}`);
    return fallback;
  }
  return value;
}

function parseAccount(raw: unknown, at: string, errors: string[]): Account | undefined {
  if (!isRecord(raw)) {
    errors.push(`${at}: must be an object`);
    return undefined;
  }
  const before = errors.length;
  for (const key of Object.keys(raw)) {
    if (!ACCOUNT_FIELDS.has(key)) errors.push(`${at}.${key}: unknown field (expected ${[...ACCOUNT_FIELDS].slice(0, 5).join(', ')})`);
  }
  const clientId = raw['clientId'];
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    errors.push(`${at}.clientId: must be 1-128 printable ASCII characters without space or ':'`);
  }
  let secret: StoredSecret | undefined;
  if (typeof raw['secret'] !== 'string') errors.push(`${at}.secret: must be a string (scrypt$... or plain:...)`);
  else {
    const parsed = parseStoredSecret(raw['secret']);
    if (parsed.ok) secret = parsed.value;
    else errors.push(`${at}.secret: ${parsed.error}`);
  }
  const sessionLimit = integerField(raw, 'sessionLimit', at, DEFAULT_SESSION_LIMIT, MAX_SESSION_LIMIT, errors);
  const tokenLifetimeSec = integerField(raw, 'tokenLifetimeSec', at, DEFAULT_TOKEN_LIFETIME_SEC, MAX_TOKEN_LIFETIME_SEC, errors);
  const permissions = parsePermissions(raw['permissions'] ?? [], `${at}.permissions`);
  if (!permissions.ok) errors.push(...permissions.error);
  else if (JSON.stringify(permissions.value).length > MAX_PERMISSIONS_JSON) {
    errors.push(`${at}.permissions: more than ${MAX_PERMISSIONS_JSON} characters of JSON; use wider patterns`);
  }
  if (errors.length > before || secret === undefined || typeof clientId !== 'string' || !permissions.ok) return undefined;
  return { clientId, secret, sessionLimit, tokenLifetimeSec, permissions: permissions.value };
}

/** Validates a parsed accounts document; returns every problem found, each naming its field. */
export function parseAccounts(document: unknown): Result<Account[], string[]> {
  if (!isRecord(document) || !Array.isArray(document['accounts'])) return err(['accounts: the file must be {"accounts": [...]}']);
  const errors: string[] = [];
  for (const key of Object.keys(document)) {
    if (key !== 'accounts' && key !== '$comment') errors.push(`${key}: unknown field (expected accounts)`);
  }
  const accounts: Account[] = [];
  const firstIndex = new Map<string, number>();
  (document['accounts'] as unknown[]).forEach((raw, i) => {
    const account = parseAccount(raw, `accounts[${i}]`, errors);
    if (account === undefined) return;
    const first = firstIndex.get(account.clientId);
    if (first !== undefined) errors.push(`accounts[${i}].clientId: duplicate of accounts[${first}]`);
    else firstIndex.set(account.clientId, i);
    accounts.push(account);
  });
  return errors.length > 0 ? err(errors) : ok(accounts);
}

/** Parses the file's text; JSON syntax errors come back as a Result too. */
export function parseAccountsText(text: string): Result<Account[], string[]> {
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch (e) {
    return err([`accounts file is not valid JSON: ${e instanceof Error ? e.message : String(e)}`]);
  }
  return parseAccounts(document);
}
