// /slow?delay=<seconds>: answers with a separate response (RFC 7252 §5.2.2) after the delay.
import { Code, ContentFormat } from '../../coap/index.js';
import { diagnostic, queryValue, reply, type DeviceContext, type Outcome, type ResourceRequest } from './resource.js';
import type { Resource } from './resource.js';

/** The delay asked for in ms (default config.slowDefaultMs), or an error text. */
export function requestedDelayMs(req: ResourceRequest, ctx: DeviceContext): number | string {
  const raw = queryValue(req.query, 'delay');
  if (raw === undefined) return ctx.config.slowDefaultMs;
  const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  const ms = Math.round(seconds * 1000);
  if (!Number.isFinite(ms) || ms > ctx.config.slowMaxMs) return `delay must be seconds between 0 and ${ctx.config.slowMaxMs / 1000}`;
  return ms;
}

function slow(req: ResourceRequest, ctx: DeviceContext): Outcome {
  const delayMs = requestedDelayMs(req, ctx);
  if (typeof delayMs === 'string') return diagnostic(Code.BAD_REQUEST, delayMs);
  const started = ctx.clock.now();
  return {
    delayMs,
    produce: () => reply(Code.CONTENT, `answered after ${((ctx.clock.now() - started) / 1000).toFixed(1)} s`, ContentFormat.TEXT_PLAIN),
  };
}

export const slowResource: Resource = {
  path: '/slow',
  link: { rt: 'ssn.test.slow', ct: ContentFormat.TEXT_PLAIN, title: 'Separate response after ?delay=<s>' },
  methods: { [Code.GET]: slow, [Code.POST]: slow },
};
