// Device host-name patterns (`SSN0013*.example.test`, `*`): validated, then compiled once to a matcher.
import { type Result, ok, err } from '../base/index.js';

export type HostMatcher = (normalizedHost: string) => boolean;

const MAX_PATTERN_LENGTH = 255;
// Few wildcards keep matching linear in practice (each `*` is a regex `.*`).
const MAX_WILDCARDS = 8;
// Host names (RFC 1123 letters, digits, '-', '.'), '_' for service labels, IP literals ('[', ']', ':'),
// and the wildcard '*'.
const PATTERN_CHARS = /^[A-Za-z0-9._\-*:[\]]+$/;

/** Lower case without one trailing dot: DNS names compare case-insensitively (RFC 4343). */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Checks a pattern; the message names what is wrong (the caller adds the field path). */
export function checkHostPattern(pattern: string): Result<string, string> {
  if (pattern.length === 0) return err('empty device pattern');
  if (pattern.length > MAX_PATTERN_LENGTH) return err(`device pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  if (!PATTERN_CHARS.test(pattern)) {
    return err(`device pattern ${JSON.stringify(pattern)} may hold only letters, digits, ".-_:[]" and "*"`);
  }
  if (pattern.split('*').length - 1 > MAX_WILDCARDS) return err(`device pattern has more than ${MAX_WILDCARDS} "*"`);
  return ok(normalizeHost(pattern));
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compiles a checked pattern. `*` matches any run of characters, dots included, so
 * `*.example.test` covers every name in that domain and `*` covers every device.
 */
export function compileHostPattern(pattern: string): HostMatcher {
  const normalized = normalizeHost(pattern).replace(/\*+/g, '*');
  if (normalized === '*') return () => true;
  if (!normalized.includes('*')) return (host) => host === normalized;
  const source = normalized.split('*').map(escapeRegExp).join('.*');
  const regex = new RegExp(`^${source}$`, 's');
  return (host) => regex.test(host);
}
