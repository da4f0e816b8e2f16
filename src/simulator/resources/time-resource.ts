// /time: the device clock (seconds since the epoch), observable, settable with PUT.
import { Code, ContentFormat, OptionNumber } from '../../coap/index.js';
import { diagnostic, negotiate, reply, requestFormat, type DeviceContext, type Resource } from './resource.js';

/** The device's own time in ms: the wall clock plus the offset PUT /time set. */
export function deviceTimeMs(ctx: DeviceContext): number {
  return ctx.clock.wallNow() + ctx.state.clockOffsetMs;
}

/** RFC 7252 §5.10.5: a representation is fresh for one observe period (the next notification). */
export function periodMaxAge(ctx: DeviceContext): number {
  return Math.max(1, Math.ceil(ctx.config.observePeriodMs / 1000));
}

/** Parses "1767225600" (text) or {"epoch": 1767225600} (JSON) into seconds. */
function parseEpoch(body: string, format: number): number | undefined {
  let value: unknown = body.trim();
  if (format === ContentFormat.JSON) {
    try {
      const parsed: unknown = JSON.parse(body);
      value = typeof parsed === 'object' && parsed !== null && 'epoch' in parsed ? (parsed as { epoch: unknown }).epoch : parsed;
    } catch {
      return undefined;
    }
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,12}(\.\d+)?$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export const timeResource: Resource = {
  path: '/time',
  link: { rt: 'ssn.time', if: 'core.p', ct: [ContentFormat.TEXT_PLAIN, ContentFormat.JSON], obs: true, title: 'Device clock' },
  observe: { periodMs: (c) => c.observePeriodMs, confirmable: false },
  methods: {
    [Code.GET]: (req, ctx) => {
      const format = negotiate(req.message, [ContentFormat.TEXT_PLAIN, ContentFormat.JSON]);
      if (format === undefined) return diagnostic(Code.NOT_ACCEPTABLE, 'text/plain (0) or application/json (50)');
      const ms = deviceTimeMs(ctx);
      const seconds = Math.floor(ms / 1000);
      const body =
        format === ContentFormat.JSON
          ? JSON.stringify({ epoch: seconds, iso: new Date(ms).toISOString(), offsetMs: ctx.state.clockOffsetMs })
          : String(seconds);
      return reply(Code.CONTENT, body, format, [[OptionNumber.MAX_AGE, periodMaxAge(ctx)]]);
    },
    [Code.PUT]: (req, ctx) => {
      const format = requestFormat(req.message);
      if (format !== ContentFormat.TEXT_PLAIN && format !== ContentFormat.JSON) {
        return diagnostic(Code.UNSUPPORTED_CONTENT_FORMAT, 'text/plain (0) or application/json (50)');
      }
      const seconds = parseEpoch(req.payload.toString('utf8'), format);
      if (seconds === undefined) return diagnostic(Code.BAD_REQUEST, 'expected seconds since the Unix epoch, e.g. 1767225600');
      ctx.state.clockOffsetMs = Math.round(seconds * 1000) - ctx.clock.wallNow();
      ctx.changed('/time');
      return reply(Code.CHANGED);
    },
  },
};
