// /.well-known/core (RFC 6690): the device's links in CoRE Link Format, with §4.1 query filtering.
import { Code, ContentFormat, filterLinks, serializeLinkFormat, type Link, type LinkAttribute } from '../../coap/index.js';
import { reply, type LinkAttributes, type Resource } from './resource.js';

/** A resource's declared attributes as an RFC 6690 link, in the order rt, if, ct, sz, title, obs. */
export function toLink(href: string, a: LinkAttributes): Link {
  const attributes: LinkAttribute[] = [];
  if (a.rt !== undefined) attributes.push({ name: 'rt', value: a.rt });
  if (a.if !== undefined) attributes.push({ name: 'if', value: a.if });
  // RFC 7252 §7.2.1: several Content-Formats are one space-separated ct value.
  if (a.ct !== undefined) attributes.push({ name: 'ct', value: typeof a.ct === 'number' ? String(a.ct) : a.ct.join(' ') });
  if (a.sz !== undefined) attributes.push({ name: 'sz', value: String(a.sz) });
  if (a.title !== undefined) attributes.push({ name: 'title', value: a.title });
  // RFC 7641 §6: `obs` marks an observable resource.
  if (a.obs === true) attributes.push({ name: 'obs' });
  return { target: href, attributes };
}

export const wellKnownCore: Resource = {
  path: '/.well-known/core',
  methods: {
    // RFC 7252 §7.2 / RFC 6690 §4.1: 2.05 in Content-Format 40, filtered by the query; no match = empty body.
    [Code.GET]: (req, ctx) => reply(Code.CONTENT, serializeLinkFormat(filterLinks(ctx.links(), req.query)), ContentFormat.LINK_FORMAT),
  },
};
