// /meter/register (energy that grows with the clock, observable) and /meter/profile (a >4 KB load profile).
import { Code, ContentFormat, OptionNumber } from '../../coap/index.js';
import { periodMaxAge } from './time-resource.js';
import { diagnostic, negotiate, reply, type DeviceContext, type Resource } from './resource.js';

const INTERVAL_MS = 15 * 60 * 1000;
const INTERVALS = 96;

export const registerResource: Resource = {
  path: '/meter/register',
  link: { rt: 'ssn.meter.energy', if: 'core.s', ct: [ContentFormat.TEXT_PLAIN, ContentFormat.JSON], obs: true, title: 'Active energy import' },
  observe: { periodMs: (c) => c.observePeriodMs, confirmable: false },
  methods: {
    [Code.GET]: (req, ctx) => {
      const format = negotiate(req.message, [ContentFormat.TEXT_PLAIN, ContentFormat.JSON]);
      if (format === undefined) return diagnostic(Code.NOT_ACCEPTABLE, 'text/plain (0) or application/json (50)');
      const wh = ctx.state.meterWh(ctx.clock.now());
      const body =
        format === ContentFormat.JSON
          ? JSON.stringify({ energyWh: Math.floor(wh), powerW: ctx.state.meterRateW, at: new Date(ctx.clock.wallNow()).toISOString() })
          : `${(wh / 1000).toFixed(3)} kWh`;
      return reply(Code.CONTENT, body, format, [[OptionNumber.MAX_AGE, periodMaxAge(ctx)]]);
    },
  },
};

/** Deterministic pseudo-measurement for one interval of one device (0..1). */
function sample(seed: number, interval: number, channel: number): number {
  let h = (seed * 374761393 + interval * 668265263 + channel * 2246822519) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 0x1_0000_0000;
}

/** 24 h of 15-minute intervals ending at the last full interval: one CSV line each (about 5.5 KB). */
export function loadProfile(ctx: DeviceContext): string {
  const lastEnd = Math.floor(ctx.clock.wallNow() / INTERVAL_MS) * INTERVAL_MS;
  const seed = ctx.identity.index + 1;
  const lines = ['interval_end,import_kwh,export_kwh,voltage_v,current_a,power_factor'];
  for (let i = INTERVALS - 1; i >= 0; i--) {
    const end = lastEnd - i * INTERVAL_MS;
    const n = Math.floor(end / INTERVAL_MS);
    const imp = (ctx.state.meterRateW / 4000) * (0.5 + sample(seed, n, 0));
    const exp = sample(seed, n, 1) < 0.2 ? sample(seed, n, 2) * 0.3 : 0;
    const volts = 228 + sample(seed, n, 3) * 8;
    const amps = (imp * 4000) / volts;
    const pf = 0.9 + sample(seed, n, 4) * 0.09;
    lines.push(`${new Date(end).toISOString()},${imp.toFixed(4)},${exp.toFixed(4)},${volts.toFixed(1)},${amps.toFixed(2)},${pf.toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

export const profileResource: Resource = {
  path: '/meter/profile',
  link: { rt: 'ssn.meter.profile', if: 'core.s', ct: ContentFormat.TEXT_PLAIN, sz: 6000, title: 'Load profile, 24 h of 15 min intervals' },
  methods: {
    [Code.GET]: (req, ctx) => {
      if (negotiate(req.message, [ContentFormat.TEXT_PLAIN]) === undefined) return diagnostic(Code.NOT_ACCEPTABLE, 'text/plain (0)');
      const untilNextInterval = INTERVAL_MS - (ctx.clock.wallNow() % INTERVAL_MS);
      return reply(Code.CONTENT, loadProfile(ctx), ContentFormat.TEXT_PLAIN, [[OptionNumber.MAX_AGE, Math.ceil(untilNextInterval / 1000)]]);
    },
  },
};
