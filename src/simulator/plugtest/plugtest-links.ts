// Plugtest discovery resources (TD_COAP_LINK_01-09): /link1..3 with rt/if groups, /path with sub-resources.
import { Code, ContentFormat, serializeLinkFormat, type Link } from '../../coap/index.js';
import { toLink } from '../resources/well-known-core.js';
import { reply, type Resource } from '../resources/resource.js';

const text = (body: string) => reply(Code.CONTENT, body, ContentFormat.TEXT_PLAIN);

function linkResource(path: string, rt: string, iface: string): Resource {
  return { path, link: { rt, if: iface, ct: ContentFormat.TEXT_PLAIN }, methods: { [Code.GET]: () => text(path) } };
}

const SUB_PATHS = ['/path/sub1', '/path/sub2', '/path/sub3'];
const SUB_LINKS: readonly Link[] = SUB_PATHS.map((href) => toLink(href, { ct: ContentFormat.TEXT_PLAIN }));

export const PLUGTEST_LINK_RESOURCES: readonly Resource[] = [
  // TD_COAP_LINK_04/05: rt groups "Type1 Type2", "Type2 Type3", "Type1 Type3"; if groups If1, If2, foo.
  linkResource('/link1', 'Type1 Type2', 'If1'),
  linkResource('/link2', 'Type2 Type3', 'If2'),
  linkResource('/link3', 'Type1 Type3', 'foo'),
  // TD_COAP_LINK_09: /path (ct=40) lists its sub-resources in link format.
  {
    path: '/path',
    link: { ct: ContentFormat.LINK_FORMAT, title: 'Hierarchical links' },
    methods: { [Code.GET]: () => reply(Code.CONTENT, serializeLinkFormat(SUB_LINKS), ContentFormat.LINK_FORMAT) },
  },
  ...SUB_PATHS.map((path): Resource => ({ path, methods: { [Code.GET]: () => text(path) } })),
];
