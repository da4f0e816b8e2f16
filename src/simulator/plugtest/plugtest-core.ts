// Plugtest core resources (ETSI TD_COAP_CORE_01-29): /test, /seg1/seg2/seg3, /query, /separate,
// /location-query, /create1, /create2, /multi-format, /validate.
import { Code, ContentFormat, OptionNumber, getOptions, hasOption, type Message } from '../../coap/index.js';
import { diagnostic, negotiate, reply, requestFormat, type Resource } from '../resources/resource.js';
import { plugtestState } from './plugtest-state.js';

const text = (body: string) => reply(Code.CONTENT, body, ContentFormat.TEXT_PLAIN);

export const testResource: Resource = {
  path: '/test',
  link: { rt: 'test', title: 'Default test resource', ct: ContentFormat.TEXT_PLAIN },
  methods: {
    [Code.GET]: (_req, ctx) => {
      const s = plugtestState(ctx).test;
      return reply(Code.CONTENT, s.payload, s.format);
    },
    [Code.PUT]: (req, ctx) => {
      plugtestState(ctx).test = { payload: Buffer.from(req.payload), format: requestFormat(req.message) };
      return reply(Code.CHANGED);
    },
    // TD_COAP_CORE_18: 2.01 with Location-Path location1/location2/location3.
    [Code.POST]: () =>
      reply(Code.CREATED, undefined, undefined, [
        [OptionNumber.LOCATION_PATH, 'location1'],
        [OptionNumber.LOCATION_PATH, 'location2'],
        [OptionNumber.LOCATION_PATH, 'location3'],
      ]),
    [Code.DELETE]: () => reply(Code.DELETED),
  },
};

export const segResource: Resource = {
  path: '/seg1/seg2/seg3',
  link: { rt: '', title: 'Long path resource' },
  methods: { [Code.GET]: () => text('seg1/seg2/seg3') },
};

export const queryResource: Resource = {
  path: '/query',
  link: { rt: 'query', title: 'Resource accepting query parameters' },
  methods: { [Code.GET]: (req) => text(`query: ${req.query.join('&')}`) },
};

export const separateResource: Resource = {
  path: '/separate',
  link: { rt: 'separate', title: 'Resource which cannot be served immediately' },
  methods: {
    [Code.GET]: (_req, ctx) => ({ delayMs: ctx.config.slowDefaultMs, produce: () => text('separate response') }),
  },
};

export const create2Resource: Resource = {
  path: '/create2',
  link: { rt: 'create', title: 'Creates with several Location-Path options' },
  methods: {
    // RFC 7252 §5.10.7: Location-Path segments, one option each, none containing "/".
    [Code.POST]: () =>
      reply(Code.CREATED, undefined, undefined, [
        [OptionNumber.LOCATION_PATH, 'location1'],
        [OptionNumber.LOCATION_PATH, 'location2'],
        [OptionNumber.LOCATION_PATH, 'location3'],
      ]),
  },
};

export const locationQueryResource: Resource = {
  path: '/location-query',
  link: { rt: 'location-query', title: 'Creates with Location-Query' },
  methods: {
    // TD_COAP_CORE_19: 2.01 with Location-Query first=1, second=2.
    [Code.POST]: () =>
      reply(Code.CREATED, undefined, undefined, [
        [OptionNumber.LOCATION_QUERY, 'first=1'],
        [OptionNumber.LOCATION_QUERY, 'second=2'],
      ]),
  },
};

export const create1Resource: Resource = {
  path: '/create1',
  link: { rt: 'create', title: 'Created with PUT and If-None-Match' },
  methods: {
    [Code.GET]: (_req, ctx) => {
      const body = plugtestState(ctx).create1;
      return body === undefined ? diagnostic(Code.NOT_FOUND, '/create1 does not exist yet') : text(body.toString('utf8'));
    },
    [Code.PUT]: (req, ctx) => {
      const s = plugtestState(ctx);
      // RFC 7252 §5.10.8.2: If-None-Match fails when a representation exists.
      if (hasOption(req.message, OptionNumber.IF_NONE_MATCH) && s.create1 !== undefined) {
        return diagnostic(Code.PRECONDITION_FAILED, '/create1 exists');
      }
      const created = s.create1 === undefined;
      s.create1 = Buffer.from(req.payload);
      return reply(created ? Code.CREATED : Code.CHANGED);
    },
    [Code.DELETE]: (_req, ctx) => {
      plugtestState(ctx).create1 = undefined;
      return reply(Code.DELETED);
    },
  },
};

const XML_BODY = '<multi-format><text>multi-format resource</text></multi-format>';

export const multiFormatResource: Resource = {
  path: '/multi-format',
  link: { rt: 'multi-format', ct: [ContentFormat.TEXT_PLAIN, ContentFormat.XML], title: 'Text or XML' },
  methods: {
    // TD_COAP_CORE_20: Accept 0 -> text, Accept 41 -> XML, anything else 4.06 (RFC 7252 §5.10.4).
    [Code.GET]: (req) => {
      const format = negotiate(req.message, [ContentFormat.TEXT_PLAIN, ContentFormat.XML]);
      if (format === undefined) return diagnostic(Code.NOT_ACCEPTABLE, 'text/plain (0) or application/xml (41)');
      return format === ContentFormat.XML ? reply(Code.CONTENT, XML_BODY, format) : reply(Code.CONTENT, 'multi-format resource', format);
    },
  },
};

function validateEtag(version: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(version >>> 0, 0);
  return b;
}

function etagMatches(message: Message, optionNumber: number, etag: Buffer): boolean {
  return getOptions(message, optionNumber).some((v) => v.equals(etag));
}

export const validateResource: Resource = {
  path: '/validate',
  link: { rt: 'validate', ct: ContentFormat.TEXT_PLAIN, title: 'ETag validation' },
  methods: {
    [Code.GET]: (req, ctx) => {
      const s = plugtestState(ctx).validate;
      const etag = validateEtag(s.version);
      const fresh: Array<readonly [number, Buffer | number]> = [
        [OptionNumber.ETAG, etag],
        [OptionNumber.MAX_AGE, 30],
      ];
      // RFC 7252 §5.10.6.2: an ETag in the request that matches the current one -> 2.03 Valid, no body.
      if (etagMatches(req.message, OptionNumber.ETAG, etag)) return reply(Code.VALID, undefined, undefined, fresh);
      return reply(Code.CONTENT, s.payload, ContentFormat.TEXT_PLAIN, fresh);
    },
    [Code.PUT]: (req, ctx) => {
      const s = plugtestState(ctx).validate;
      const current = validateEtag(s.version);
      // RFC 7252 §5.10.8.1: If-Match with no matching ETag -> 4.12 (an empty If-Match matches any).
      const ifMatch = getOptions(req.message, OptionNumber.IF_MATCH);
      if (ifMatch.length > 0 && !ifMatch.some((v) => v.length === 0 || v.equals(current))) {
        return diagnostic(Code.PRECONDITION_FAILED, 'If-Match does not match the current ETag');
      }
      if (hasOption(req.message, OptionNumber.IF_NONE_MATCH)) return diagnostic(Code.PRECONDITION_FAILED, '/validate exists');
      s.payload = Buffer.from(req.payload);
      s.version++;
      return reply(Code.CHANGED, undefined, undefined, [[OptionNumber.ETAG, validateEtag(s.version)]]);
    },
  },
};

export const PLUGTEST_CORE_RESOURCES: readonly Resource[] = [
  testResource,
  segResource,
  queryResource,
  separateResource,
  locationQueryResource,
  create1Resource,
  create2Resource,
  multiFormatResource,
  validateResource,
];
