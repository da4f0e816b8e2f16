// /.well-known/core (RFC 6690): the device's links in CoRE Link Format, with §4.1 query filtering.
import { Code, ContentFormat } from '../../coap/index.js';
import { reply, type Link, type Resource } from './resource.js';

function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** RFC 6690 §2/§3: `</href>;rt="...";if="...";ct=0;sz=123;obs`, links separated by commas. */
export function serializeLinks(links: readonly Link[]): string {
  return links
    .map((link) => {
      const a = link.attributes;
      let s = `<${link.href}>`;
      if (a.rt !== undefined) s += `;rt=${quoted(a.rt)}`;
      if (a.if !== undefined) s += `;if=${quoted(a.if)}`;
      if (a.ct !== undefined) s += typeof a.ct === 'number' ? `;ct=${a.ct}` : `;ct=${quoted(a.ct.join(' '))}`;
      if (a.sz !== undefined) s += `;sz=${a.sz}`;
      if (a.title !== undefined) s += `;title=${quoted(a.title)}`;
      if (a.obs === true) s += ';obs';
      return s;
    })
    .join(',');
}

/** The values a filter compares against: multi-valued attributes split on spaces (RFC 6690 §3.1-3.2). */
function valuesOf(link: Link, name: string): string[] | undefined {
  const a = link.attributes;
  switch (name) {
    case 'href':
      return [link.href];
    case 'rt':
      return a.rt === undefined ? undefined : a.rt.split(' ');
    case 'if':
      return a.if === undefined ? undefined : a.if.split(' ');
    case 'ct':
      return a.ct === undefined ? undefined : (typeof a.ct === 'number' ? [a.ct] : a.ct).map(String);
    case 'sz':
      return a.sz === undefined ? undefined : [String(a.sz)];
    case 'title':
      return a.title === undefined ? undefined : [a.title];
    case 'obs':
      return a.obs === true ? [''] : undefined;
    default:
      return undefined;
  }
}

/**
 * RFC 6690 §4.1: `name=value` keeps the links whose attribute equals the value, or starts with it when
 * the value ends in `*`; multi-valued attributes match when any value does; `name` alone keeps the
 * links that have the attribute. Several filters must all match (RFC 6690 leaves that open).
 */
export function matchesFilter(link: Link, filter: string): boolean {
  const eq = filter.indexOf('=');
  const name = eq < 0 ? filter : filter.slice(0, eq);
  const values = valuesOf(link, name);
  if (values === undefined) return false;
  if (eq < 0) return true;
  let wanted = filter.slice(eq + 1);
  if (wanted.length >= 2 && wanted.startsWith('"') && wanted.endsWith('"')) wanted = wanted.slice(1, -1);
  if (wanted.endsWith('*')) {
    const prefix = wanted.slice(0, -1);
    return values.some((v) => v.startsWith(prefix));
  }
  return values.includes(wanted);
}

export function filterLinks(links: readonly Link[], query: readonly string[]): Link[] {
  return links.filter((link) => query.every((q) => matchesFilter(link, q)));
}

export const wellKnownCore: Resource = {
  path: '/.well-known/core',
  methods: {
    // RFC 7252 §7.2: discovery answers 2.05 with Content-Format 40; no match gives an empty body.
    [Code.GET]: (req, ctx) => reply(Code.CONTENT, serializeLinks(filterLinks(ctx.links(), req.query)), ContentFormat.LINK_FORMAT),
  },
};
