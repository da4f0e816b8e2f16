// Host-name syntax checks (RFC 1035 §2.3.1/§3.1, RFC 1123 §2.1, RFC 4343 case rules), shared by device names and the resolver.
import { isIP } from 'node:net';
import type { Result } from '../base/index.js';
import { ok, err } from '../base/index.js';

/** RFC 1035 §3.1: 255 octets on the wire, i.e. 253 characters in dotted text without the root dot. */
export const MAX_HOST_NAME_LENGTH = 253;
/** RFC 1035 §2.3.4: a label is at most 63 octets. */
export const MAX_LABEL_LENGTH = 63;

// RFC 1123 §2.1: letters, digits and hyphens, not starting or ending with a hyphen; a leading digit is allowed.
// The underscore is tolerated because service labels (`_coap._udp`) use it.
// Checked before lower-casing: toLowerCase maps some non-ASCII letters (U+212A KELVIN SIGN) to ASCII ones.
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/;

/**
 * Lower-cases a host name and drops one trailing root dot (RFC 4343: DNS compares names
 * case-insensitively), then checks its syntax. The result is the key used for comparison and caching.
 */
export function normalizeHostName(host: string): Result<string, string> {
  if (typeof host !== 'string' || host.length === 0) return err('the host name is empty');
  const trimmed = host.endsWith('.') ? host.slice(0, -1) : host;
  if (trimmed.length === 0) return err('the host name is only a dot');
  if (trimmed.length > MAX_HOST_NAME_LENGTH) {
    return err(`the host name is ${trimmed.length} characters long; at most ${MAX_HOST_NAME_LENGTH} are allowed`);
  }
  const labels = trimmed.split('.');
  for (const label of labels) {
    if (label.length === 0) return err(`the host name "${printable(host)}" has an empty label`);
    if (label.length > MAX_LABEL_LENGTH) {
      return err(`the label "${printable(label)}" is longer than ${MAX_LABEL_LENGTH} characters`);
    }
    if (!LABEL.test(label)) {
      return err(`the label "${printable(label)}" may hold only letters, digits and inner hyphens`);
    }
  }
  return ok(trimmed.toLowerCase());
}

/** True when `name` (normalized) equals `domain` (normalized) or lies below it. */
export function isWithinDomain(name: string, domain: string): boolean {
  return name === domain || (name.length > domain.length && name.endsWith(domain) && name[name.length - domain.length - 1] === '.');
}

/** An IP literal, with or without the brackets of RFC 3986 §3.2.2, gives its address and family. */
export function parseIpLiteral(host: string): { address: string; family: 4 | 6 } | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  if (family === 4) return { address: bare, family: 4 };
  if (family === 6) return { address: bare.toLowerCase(), family: 6 };
  return undefined;
}

/** Shortens and escapes hostile input before it goes into an error message. */
export function printable(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[^\x20-\x7e…]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
