// GET /.well-known/core: RFC 6690 links of the gateway's own resources and its proxy abilities, with §4.1 filtering.
import {
  Code,
  ContentFormat,
  OPTION_REGISTRY,
  OptionNumber,
  encodeUint,
  filterLinks,
  serializeLinkFormat,
  uriQuery,
  type Link,
  type LinkAttribute,
} from '../../coap/index.js';
import type { LocalResource } from './local-resource.js';

export const WELL_KNOWN_CORE_PATH = '/.well-known/core';

/**
 * The gateway itself as a link: the vendor guide says the options the gateway supports are described
 * here. `proxy-scheme` lists what it forwards to; `opt` the option numbers it understands (unknown
 * ones are still forwarded unless strictOptions is on).
 */
function proxyLink(strictOptions: boolean): Link {
  const known = [...OPTION_REGISTRY.keys()].sort((a, b) => a - b).join(' ');
  return {
    target: '/',
    attributes: [
      { name: 'rt', value: 'core.proxy' },
      { name: 'title', value: 'CoAP forward proxy: set Proxy-Uri or Proxy-Scheme coap; log in first (POST /sessions)' },
      { name: 'proxy-scheme', value: 'coap' },
      { name: 'opt', value: known },
      { name: 'unknown-options', value: strictOptions ? 'rfc7252-5.7.1' : 'forwarded' },
    ],
  };
}

function linkOf(resource: LocalResource): Link {
  const attributes: LinkAttribute[] = [];
  const { rt, title, ct } = resource.link;
  if (rt !== undefined) attributes.push({ name: 'rt', value: rt });
  if (resource.link.if !== undefined) attributes.push({ name: 'if', value: resource.link.if });
  if (ct !== undefined) attributes.push({ name: 'ct', value: String(ct) });
  if (title !== undefined) attributes.push({ name: 'title', value: title });
  return { target: resource.path, attributes };
}

/** `resources()` is read per request so the list is always the router's current one. */
export function createWellKnownCore(resources: () => readonly LocalResource[], strictOptions: boolean): LocalResource {
  return {
    path: WELL_KNOWN_CORE_PATH,
    methods: [Code.GET],
    link: {},
    handle: (request) => {
      const links = [proxyLink(strictOptions), ...resources().filter((r) => r.path !== WELL_KNOWN_CORE_PATH && r.listed !== false).map(linkOf)];
      // RFC 6690 §4.1: no match on a unicast request is 2.05 with an empty payload.
      const selected = filterLinks(links, uriQuery(request.message));
      return {
        code: Code.CONTENT,
        options: [{ number: OptionNumber.CONTENT_FORMAT, value: encodeUint(ContentFormat.LINK_FORMAT) }],
        payload: Buffer.from(serializeLinkFormat(selected), 'utf8'),
      };
    },
  };
}
