// CoRE Link Format (RFC 6690): parse, serialize, and the §4.1 query filter of /.well-known/core.
import { err, ok, type Result } from './result.js';

/** One target attribute; `value` undefined for a bare parameter such as `obs`. */
export interface LinkAttribute {
  readonly name: string;
  readonly value?: string;
}

/** One link-value: `<target>;name=value;...` in order, repeats kept. */
export interface Link {
  readonly target: string;
  readonly attributes: readonly LinkAttribute[];
}

// RFC 5988/6690 parmname and ptoken characters.
const PARMNAME = /[A-Za-z0-9!#$&+\-.^_`|~*]/;
const PTOKEN = /[A-Za-z0-9!#$%&'()*+\-./:<=>?@[\]^_`{|}~]/;
const WHITESPACE = /[ \t\r\n]/;

/** Parses a link-format document (RFC 6690 §2). Whitespace between links and parameters is tolerated. */
export function parseLinkFormat(text: string): Result<Link[], string> {
  const links: Link[] = [];
  let i = 0;
  const skipWs = (): void => {
    while (i < text.length && WHITESPACE.test(text[i] as string)) i++;
  };
  skipWs();
  if (i === text.length) return ok(links);
  for (;;) {
    skipWs();
    if (text[i] !== '<') return err(`expected "<" at ${i}`);
    const close = text.indexOf('>', i + 1);
    if (close < 0) return err(`unterminated "<" at ${i}`);
    const target = text.slice(i + 1, close);
    i = close + 1;
    const attributes: LinkAttribute[] = [];
    skipWs();
    while (text[i] === ';') {
      i++;
      skipWs();
      const nameStart = i;
      while (i < text.length && PARMNAME.test(text[i] as string)) i++;
      if (i === nameStart) return err(`expected a parameter name at ${i}`);
      const name = text.slice(nameStart, i).toLowerCase();
      skipWs();
      if (text[i] !== '=') {
        attributes.push({ name });
        continue;
      }
      i++;
      skipWs();
      if (text[i] === '"') {
        let value = '';
        i++;
        for (;;) {
          if (i >= text.length) return err('unterminated quoted-string');
          const ch = text[i] as string;
          if (ch === '"') break;
          if (ch === '\\') {
            if (i + 1 >= text.length) return err('unterminated quoted-string');
            value += text[i + 1];
            i += 2;
          } else {
            value += ch;
            i++;
          }
        }
        i++;
        attributes.push({ name, value });
      } else {
        const valueStart = i;
        while (i < text.length && PTOKEN.test(text[i] as string)) i++;
        if (i === valueStart) return err(`expected a value for "${name}" at ${i}`);
        attributes.push({ name, value: text.slice(valueStart, i) });
      }
      skipWs();
    }
    links.push({ target, attributes });
    skipWs();
    if (i === text.length) return ok(links);
    if (text[i] !== ',') return err(`expected "," or ";" at ${i}`);
    i++;
  }
}

function quote(value: string): string {
  return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** Serializes links (RFC 6690 §2): numeric values bare (`ct=40`), everything else quoted. */
export function serializeLinkFormat(links: readonly Link[]): string {
  return links
    .map((link) => {
      let out = `<${link.target}>`;
      for (const a of link.attributes) {
        out += ';' + a.name;
        if (a.value !== undefined) out += '=' + (/^[0-9]+$/.test(a.value) ? a.value : quote(a.value));
      }
      return out;
    })
    .join(',');
}

/** Every value of attribute `name` in a link. */
export function linkAttributes(link: Link, name: string): string[] {
  const out: string[] = [];
  for (const a of link.attributes) if (a.name === name && a.value !== undefined) out.push(a.value);
  return out;
}

// RFC 6690 §3.1-3.2 and RFC 7252 §7.2.1: relation types and ct may hold space-separated lists.
const MULTI_VALUED = new Set(['rel', 'rev', 'rt', 'if', 'ct']);

function matches(candidate: string, pattern: string): boolean {
  return pattern.endsWith('*') ? candidate.startsWith(pattern.slice(0, -1)) : candidate === pattern;
}

function linkMatches(link: Link, name: string, pattern: string | undefined): boolean {
  if (name === 'href') return pattern === undefined || matches(link.target, pattern);
  for (const a of link.attributes) {
    if (a.name !== name) continue;
    if (pattern === undefined) return true;
    if (a.value === undefined) {
      if (pattern === '*') return true;
      continue;
    }
    const values = MULTI_VALUED.has(name) ? a.value.split(/ +/) : [a.value];
    if (values.some((v) => matches(v, pattern))) return true;
  }
  return false;
}

/**
 * RFC 6690 §4.1 filtering by Uri-Query arguments `name=value` (a trailing `*` is a prefix match;
 * `href` matches the link target; any value of a multi-valued attribute may match). Several
 * arguments must all match (RFC 6690 leaves this open). An argument without "=" keeps links that
 * carry that attribute.
 */
export function filterLinks(links: readonly Link[], queries: readonly string[]): Link[] {
  const filters = queries.map((q) => {
    const eq = q.indexOf('=');
    return eq < 0 ? { name: q.toLowerCase(), pattern: undefined } : { name: q.slice(0, eq).toLowerCase(), pattern: q.slice(eq + 1) };
  });
  return links.filter((link) => filters.every((f) => linkMatches(link, f.name, f.pattern)));
}
