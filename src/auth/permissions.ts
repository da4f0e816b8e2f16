// Account permissions: which devices (host patterns) an account may send which CoAP methods to.
// Parsed with field-path errors, then compiled once per session into a fast, pure PermissionSet.
import { type Result, ok, err } from '../base/index.js';
import { checkHostPattern, compileHostPattern, normalizeHost, type HostMatcher } from './host-pattern.js';
import { maskAllows, methodMask } from './methods.js';

/** One permission as written in the accounts file and carried in the token's `permissions` claim. */
export interface PermissionRule {
  /** Device host patterns, e.g. `SSN0013*.example.test` or `*`; case-insensitive. */
  readonly devices: readonly string[];
  /** Method names (GET POST PUT DELETE FETCH PATCH iPATCH) or groups (read, write, all). */
  readonly methods: readonly string[];
}

export interface PermissionSet {
  /** May this account send a request with `methodCode` (1..7) to the device `host`? */
  allows(host: string, methodCode: number): boolean;
  /** The rules it was compiled from (for the `permissions` claim and for display). */
  readonly rules: readonly PermissionRule[];
}

const MAX_RULES = 64;
const MAX_ENTRIES = 64;
const RULE_FIELDS = new Set(['devices', 'methods', '$comment']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseStringList(
  value: unknown,
  path: string,
  check: (entry: string) => string | undefined,
  errors: string[],
): string[] {
  if (!Array.isArray(value)) {
    errors.push(`${path}: must be an array of strings`);
    return [];
  }
  if (value.length === 0) errors.push(`${path}: must list at least one entry`);
  if (value.length > MAX_ENTRIES) errors.push(`${path}: more than ${MAX_ENTRIES} entries`);
  const out: string[] = [];
  value.slice(0, MAX_ENTRIES).forEach((entry: unknown, i) => {
    if (typeof entry !== 'string') {
      errors.push(`${path}[${i}]: must be a string`);
      return;
    }
    const problem = check(entry);
    if (problem !== undefined) errors.push(`${path}[${i}]: ${problem}`);
    else out.push(entry);
  });
  return out;
}

const checkMethod = (word: string): string | undefined =>
  methodMask(word) === undefined
    ? `unknown method ${JSON.stringify(word)} (use GET POST PUT DELETE FETCH PATCH iPATCH, read, write or all)`
    : undefined;

const checkDevice = (pattern: string): string | undefined => {
  const checked = checkHostPattern(pattern);
  return checked.ok ? undefined : checked.error;
};

/**
 * Validates untrusted permissions (accounts file or token claim). Every error names its field path,
 * e.g. `accounts[2].permissions[0].methods[1]: unknown method "GTE" ...`.
 */
export function parsePermissions(value: unknown, path = 'permissions'): Result<PermissionRule[], string[]> {
  if (!Array.isArray(value)) return err([`${path}: must be an array of {devices, methods}`]);
  const errors: string[] = [];
  if (value.length > MAX_RULES) errors.push(`${path}: more than ${MAX_RULES} rules`);
  const rules: PermissionRule[] = [];
  value.slice(0, MAX_RULES).forEach((rule: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(rule)) {
      errors.push(`${at}: must be an object {devices, methods}`);
      return;
    }
    for (const key of Object.keys(rule)) {
      if (!RULE_FIELDS.has(key)) errors.push(`${at}.${key}: unknown field (expected devices, methods)`);
    }
    const devices = parseStringList(rule['devices'], `${at}.devices`, checkDevice, errors);
    const methods = parseStringList(rule['methods'], `${at}.methods`, checkMethod, errors);
    rules.push({ devices, methods });
  });
  return errors.length > 0 ? err(errors) : ok(rules);
}

interface CompiledRule {
  readonly mask: number;
  readonly matchers: readonly HostMatcher[];
}

// Sessions talk to few devices over and over: remember each host's method mask.
const MEMO_LIMIT = 1024;

function isPermissionSet(value: unknown): value is PermissionSet {
  return isRecord(value) && typeof value['allows'] === 'function' && Array.isArray(value['rules']);
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** Reads rules leniently: whatever is not a {devices, methods} of strings is dropped. */
function looseRules(input: unknown): PermissionRule[] {
  if (!Array.isArray(input)) return [];
  return input.filter(isRecord).map((r) => ({ devices: strings(r['devices']), methods: strings(r['methods']) }));
}

/**
 * Compiles rules once (per session) into a fast matcher. Takes validated rules, raw JSON (e.g. rules
 * restored from a session store), or an already compiled set (returned as is). Fails closed and never
 * throws: any entry that does not validate grants nothing.
 */
export function compilePermissions(input: readonly PermissionRule[] | PermissionSet | unknown): PermissionSet {
  if (isPermissionSet(input)) return input;
  const rules = looseRules(input);
  const compiled: CompiledRule[] = [];
  for (const rule of rules) {
    let mask = 0;
    for (const word of rule.methods) mask |= methodMask(word) ?? 0;
    const matchers = rule.devices.filter((d) => checkHostPattern(d).ok).map(compileHostPattern);
    if (mask !== 0 && matchers.length > 0) compiled.push({ mask, matchers });
  }
  const memo = new Map<string, number>();
  const maskFor = (host: string): number => {
    const known = memo.get(host);
    if (known !== undefined) return known;
    const normalized = normalizeHost(host);
    let mask = 0;
    for (const rule of compiled) {
      if ((mask | rule.mask) === mask) continue;
      if (rule.matchers.some((match) => match(normalized))) mask |= rule.mask;
    }
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(host, mask);
    return mask;
  };
  const frozen = Object.freeze(rules.map((r) => Object.freeze({ devices: [...r.devices], methods: [...r.methods] })));
  return {
    rules: frozen,
    allows: (host, methodCode) => compiled.length > 0 && maskAllows(maskFor(host), methodCode),
  };
}
