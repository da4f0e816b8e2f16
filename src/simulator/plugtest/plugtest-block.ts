// Plugtest block-wise resources (TD_COAP_BLOCK_01-06): /large, /large-update, /large-create, /large-post.
import { createHash } from 'node:crypto';
import { Code, ContentFormat, OptionNumber } from '../../coap/index.js';
import { diagnostic, reply, type Resource } from '../resources/resource.js';
import { LARGE_BODY, numberedText, plugtestState } from './plugtest-state.js';

/** Resources created by POST /large-create that a device keeps at most. */
const MAX_CREATED = 16;

export const largeResource: Resource = {
  path: '/large',
  link: { rt: 'block', sz: LARGE_BODY.length, ct: ContentFormat.TEXT_PLAIN, title: 'Large resource' },
  methods: { [Code.GET]: () => reply(Code.CONTENT, LARGE_BODY, ContentFormat.TEXT_PLAIN) },
};

export const largeUpdateResource: Resource = {
  path: '/large-update',
  link: { rt: 'block', sz: LARGE_BODY.length, ct: ContentFormat.TEXT_PLAIN, title: 'Large resource, updatable with PUT' },
  methods: {
    [Code.GET]: (_req, ctx) => reply(Code.CONTENT, plugtestState(ctx).largeUpdate, ContentFormat.TEXT_PLAIN),
    [Code.PUT]: (req, ctx) => {
      plugtestState(ctx).largeUpdate = Buffer.from(req.payload);
      return reply(Code.CHANGED);
    },
  },
};

export const largeCreateResource: Resource = {
  path: '/large-create',
  prefix: true,
  link: { rt: 'block', title: 'Large resources created with POST' },
  methods: {
    // TD_COAP_BLOCK_04: 2.01 with Location-Path "large-create" and one server-chosen segment.
    [Code.POST]: (req, ctx) => {
      if (req.segments.length !== 1) return diagnostic(Code.METHOD_NOT_ALLOWED, 'POST to /large-create itself');
      const s = plugtestState(ctx);
      const id = String(s.nextCreatedId++);
      if (s.largeCreated.size >= MAX_CREATED) {
        const oldest = s.largeCreated.keys().next();
        if (oldest.done !== true) s.largeCreated.delete(oldest.value);
      }
      s.largeCreated.set(id, Buffer.from(req.payload));
      return reply(Code.CREATED, undefined, undefined, [
        [OptionNumber.LOCATION_PATH, 'large-create'],
        [OptionNumber.LOCATION_PATH, id],
      ]);
    },
    [Code.GET]: (req, ctx) => {
      if (req.segments.length !== 2) return diagnostic(Code.METHOD_NOT_ALLOWED, 'GET /large-create/<id>');
      const body = plugtestState(ctx).largeCreated.get(req.segments[1]!);
      return body === undefined ? diagnostic(Code.NOT_FOUND, `no ${req.path}`) : reply(Code.CONTENT, body, ContentFormat.TEXT_PLAIN);
    },
    [Code.DELETE]: (req, ctx) => {
      if (req.segments.length !== 2) return diagnostic(Code.METHOD_NOT_ALLOWED, 'DELETE /large-create/<id>');
      plugtestState(ctx).largeCreated.delete(req.segments[1]!);
      return reply(Code.DELETED);
    },
  },
};

export const largePostResource: Resource = {
  path: '/large-post',
  link: { rt: 'block', title: 'Large POST with a large answer' },
  methods: {
    // TD_COAP_BLOCK_05: a large request body (Block1) answered with a large body (Block2).
    [Code.POST]: (req) => {
      const digest = createHash('sha256').update(req.payload).digest('hex');
      const head = `received ${req.payload.length} bytes sha256=${digest}\n`;
      return reply(Code.CHANGED, Buffer.concat([Buffer.from(head, 'utf8'), numberedText('large-post answer', 2000)]), ContentFormat.TEXT_PLAIN);
    },
  },
};

export const PLUGTEST_BLOCK_RESOURCES: readonly Resource[] = [largeResource, largeUpdateResource, largeCreateResource, largePostResource];
