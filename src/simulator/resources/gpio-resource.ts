// /gpio: the NIC's GPIO pins: GET describes them, PUT/POST sets output pins, observers see every change.
import { Code, ContentFormat } from '../../coap/index.js';
import { PINS, type PinDefinition } from '../device-state.js';
import { diagnostic, negotiate, reply, requestFormat, type DeviceContext, type Resource, type ResourceRequest, type ResourceResponse } from './resource.js';

export const GPIO_BODY_HELP = 'set pins as "<pin>=<value>" pairs separated by "&", "," or new lines; pin = number or name, value = 0/1/on/off/true/false; or JSON {"relay": 1}';

function findPin(key: string): PinDefinition | undefined {
  const k = key.trim().toLowerCase();
  return PINS.find((p) => String(p.id) === k || p.name === k);
}

function parseLevel(value: unknown): number | undefined {
  if (value === true || value === 1) return 1;
  if (value === false || value === 0) return 0;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (v === '1' || v === 'on' || v === 'true' || v === 'high') return 1;
  if (v === '0' || v === 'off' || v === 'false' || v === 'low') return 0;
  return undefined;
}

export type PinChanges = { readonly ok: true; readonly changes: ReadonlyArray<readonly [PinDefinition, number]> } | { readonly ok: false; readonly error: string };

/** Parses a PUT/POST body into pin changes; any bad pair rejects the whole body. */
export function parsePinChanges(body: string, format: number): PinChanges {
  let pairs: Array<readonly [string, unknown]>;
  if (format === ContentFormat.JSON) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { ok: false, error: 'body is not JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: 'expected a JSON object' };
    pairs = Object.entries(parsed as Record<string, unknown>);
  } else {
    pairs = body
      .split(/[&,;\n\r]+/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((s) => {
        const eq = s.indexOf('=');
        return eq < 0 ? ([s, undefined] as const) : ([s.slice(0, eq), s.slice(eq + 1)] as const);
      });
  }
  if (pairs.length === 0) return { ok: false, error: `empty body; ${GPIO_BODY_HELP}` };
  const changes: Array<readonly [PinDefinition, number]> = [];
  for (const [key, raw] of pairs) {
    const pin = findPin(key);
    if (pin === undefined) return { ok: false, error: `unknown pin "${key}"` };
    if (pin.direction === 'in') return { ok: false, error: `pin ${pin.id} (${pin.name}) is an input` };
    const level = parseLevel(raw);
    if (level === undefined) return { ok: false, error: `bad value for pin ${pin.id} (${pin.name}); ${GPIO_BODY_HELP}` };
    changes.push([pin, level]);
  }
  return { ok: true, changes };
}

function describe(ctx: DeviceContext, format: number): string {
  if (format === ContentFormat.JSON) {
    return JSON.stringify({ pins: PINS.map((p) => ({ id: p.id, name: p.name, direction: p.direction, value: ctx.state.pin(p.id) })) });
  }
  return PINS.map((p) => `${p.id} ${p.name} ${p.direction} ${ctx.state.pin(p.id)}`).join('\n') + '\n';
}

function setPins(req: ResourceRequest, ctx: DeviceContext): ResourceResponse {
  const format = requestFormat(req.message);
  if (format !== ContentFormat.TEXT_PLAIN && format !== ContentFormat.JSON) {
    return diagnostic(Code.UNSUPPORTED_CONTENT_FORMAT, 'text/plain (0) or application/json (50)');
  }
  const parsed = parsePinChanges(req.payload.toString('utf8'), format);
  if (!parsed.ok) return diagnostic(Code.BAD_REQUEST, parsed.error);
  let changed = false;
  for (const [pin, level] of parsed.changes) {
    if (ctx.state.pin(pin.id) !== level) changed = true;
    ctx.state.setPin(pin.id, level);
  }
  if (changed) ctx.changed('/gpio');
  return reply(Code.CHANGED);
}

export const gpioResource: Resource = {
  path: '/gpio',
  link: { rt: 'ssn.gpio', if: 'core.a', ct: [ContentFormat.TEXT_PLAIN, ContentFormat.JSON], obs: true, title: 'GPIO pins' },
  observe: { confirmable: false },
  methods: {
    [Code.GET]: (req, ctx) => {
      const format = negotiate(req.message, [ContentFormat.TEXT_PLAIN, ContentFormat.JSON]);
      if (format === undefined) return diagnostic(Code.NOT_ACCEPTABLE, 'text/plain (0) or application/json (50)');
      return reply(Code.CONTENT, describe(ctx, format), format);
    },
    [Code.PUT]: setPins,
    [Code.POST]: setPins,
  },
};
