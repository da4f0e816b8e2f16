// Plugtest observable resources (TD_COAP_OBS_01-14): /obs, /obs-non, /obs-large, /obs-pumping.
import { Code, ContentFormat, OptionNumber } from '../../coap/index.js';
import { periodMaxAge } from '../resources/time-resource.js';
import { diagnostic, reply, requestFormat, type DeviceContext, type Resource } from '../resources/resource.js';
import { numberedText, plugtestState } from './plugtest-state.js';

/** Changes once per observe period, so every notification carries a new value. */
function tick(ctx: DeviceContext): number {
  return Math.floor(ctx.clock.now() / ctx.config.observePeriodMs);
}

function obsGet(_req: unknown, ctx: DeviceContext) {
  const s = plugtestState(ctx).obs;
  if (s.deleted) return diagnostic(Code.NOT_FOUND, 'deleted');
  const body = s.payload ?? Buffer.from(`obs ${tick(ctx)}`, 'utf8');
  return reply(Code.CONTENT, body, s.format, [[OptionNumber.MAX_AGE, periodMaxAge(ctx)]]);
}

function obsResource(path: string, confirmable: boolean): Resource {
  return {
    path,
    link: { rt: 'observe', obs: true, ct: ContentFormat.TEXT_PLAIN, title: confirmable ? 'Observable, CON notifications' : 'Observable, NON notifications' },
    observe: { periodMs: (c) => c.observePeriodMs, confirmable },
    methods: {
      [Code.GET]: obsGet,
      [Code.PUT]: (req, ctx) => {
        const s = plugtestState(ctx).obs;
        const format = requestFormat(req.message);
        const created = s.deleted;
        const formatChanged = format !== s.format;
        s.payload = Buffer.from(req.payload);
        s.format = format;
        s.deleted = false;
        // TD_COAP_OBS_08 / RFC 7641 §4.2: a new Content-Format ends observations with 4.06.
        if (formatChanged) {
          ctx.endObservations(path, diagnostic(Code.NOT_ACCEPTABLE, 'content format changed'));
        } else {
          ctx.changed(path);
        }
        return reply(created ? Code.CREATED : Code.CHANGED);
      },
      // TD_COAP_OBS_07 / RFC 7641 §3.2: DELETE ends observations with 4.04.
      [Code.DELETE]: (_req, ctx) => {
        plugtestState(ctx).obs.deleted = true;
        ctx.endObservations(path, diagnostic(Code.NOT_FOUND, 'deleted'));
        return reply(Code.DELETED);
      },
    },
  };
}

export const obsLargeResource: Resource = {
  path: '/obs-large',
  link: { rt: 'observe', obs: true, ct: ContentFormat.TEXT_PLAIN, sz: 1500, title: 'Observable large resource' },
  observe: { periodMs: (c) => c.observePeriodMs, confirmable: true },
  methods: {
    // TD_COAP_OBS_13: every notification is Block2 NUM=0 of a 1500-byte body that changes each period.
    [Code.GET]: (_req, ctx) => {
      const head = Buffer.from(`obs-large ${tick(ctx)}\n`, 'utf8');
      return reply(Code.CONTENT, Buffer.concat([head, numberedText('obs-large', 1500 - head.length)]), ContentFormat.TEXT_PLAIN, [
        [OptionNumber.MAX_AGE, periodMaxAge(ctx)],
      ]);
    },
  },
};

export const obsPumpingResource: Resource = {
  path: '/obs-pumping',
  link: { rt: 'observe', obs: true, ct: ContentFormat.TEXT_PLAIN, title: 'Observable, size varies' },
  observe: { periodMs: (c) => c.observePeriodMs, confirmable: true },
  methods: {
    // TD_COAP_OBS_14: sizes alternate between one datagram and several blocks.
    [Code.GET]: (_req, ctx) => {
      const t = tick(ctx);
      const head = Buffer.from(`obs-pumping ${t}\n`, 'utf8');
      const size = t % 2 === 0 ? 40 : 1800;
      return reply(Code.CONTENT, Buffer.concat([head, numberedText('pump', size)]), ContentFormat.TEXT_PLAIN, [
        [OptionNumber.MAX_AGE, periodMaxAge(ctx)],
      ]);
    },
  },
};

export const PLUGTEST_OBSERVE_RESOURCES: readonly Resource[] = [
  obsResource('/obs', true),
  obsResource('/obs-non', false),
  obsLargeResource,
  obsPumpingResource,
];
