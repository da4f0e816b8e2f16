// Dispatch: one request to its resource, with the device's RFC 7252 §5.4/§5.8 checks and block-wise on both sides.
import {
  Code,
  OptionNumber,
  codeClass,
  decodeBlock,
  encodeBlock,
  getOption,
  isCritical,
  optionDefinition,
  setOption,
  uriPath,
  uriPathSegments,
  uriQuery,
  type BlockValue,
  type Message,
} from '../../coap/index.js';
import type { PeerAddress } from '../../transport/index.js';
import type { StoredBody } from '../device-state.js';
import { checkWholeBody, receiveBlock1 } from './block1.js';
import { requestedBlock2, sliceResponse } from './block2.js';
import { diagnostic, isDeferred, type DeviceContext, type Outcome, type Resource, type ResourceResponse } from './resource.js';
import type { ResourceTable } from './resource-table.js';

export interface Dispatched {
  readonly outcome: Outcome;
  /** The resource that handled it (undefined for requests rejected before routing). */
  readonly resource: Resource | undefined;
}

const METHODS = new Set<number>([Code.GET, Code.POST, Code.PUT, Code.DELETE, Code.FETCH, Code.PATCH, Code.IPATCH]);
/** Critical options a device knows but does not implement: treated as unrecognized (RFC 7252 §5.4.1). */
const UNSUPPORTED_CRITICAL = new Set<number>([OptionNumber.OSCORE, OptionNumber.Q_BLOCK1, OptionNumber.Q_BLOCK2]);
/** Response bodies kept per device for Block2 follow-ups of POST/PUT answers. */
const MAX_STORED_BODIES = 8;
const STORED_BODY_MS = 120_000;

/** RFC 7252 §5.4.1, §5.4.3, §5.4.5: the first critical option the device cannot process, if any. */
function badCriticalOption(message: Message): string | undefined {
  const counts = new Map<number, number>();
  for (const o of message.options) {
    if (!isCritical(o.number)) continue;
    const def = optionDefinition(o.number);
    if (def === undefined || UNSUPPORTED_CRITICAL.has(o.number)) return `unrecognized critical option ${o.number}`;
    if (o.value.length < def.minLength || o.value.length > def.maxLength) return `${def.name} of ${o.value.length} bytes`;
    const n = (counts.get(o.number) ?? 0) + 1;
    counts.set(o.number, n);
    if (n > 1 && !def.repeatable) return `${def.name} repeated`;
  }
  return undefined;
}

function bodyKey(from: PeerAddress, path: string): string {
  return `${from.address}|${from.port}|${path}`;
}

function storeBody(ctx: DeviceContext, key: string, response: ResourceResponse): void {
  const bodies = (ctx.state.bodies ??= new Map<string, StoredBody>());
  bodies.delete(key);
  if (bodies.size >= MAX_STORED_BODIES) {
    const oldest = bodies.keys().next();
    if (oldest.done !== true) bodies.delete(oldest.value);
  }
  const now = ctx.clock.now();
  bodies.set(key, { code: response.code, options: response.options ?? [], payload: response.payload ?? Buffer.alloc(0), storedAtMs: now });
}

/** Applies Block2 to a final response; `store` keeps the whole body for follow-ups (non-GET requests). */
function finish(
  response: ResourceResponse,
  block2: BlockValue | undefined,
  block1Echo: Pick<BlockValue, 'num' | 'more' | 'szx'> | undefined,
  ctx: DeviceContext,
  storeKey: string | undefined,
): ResourceResponse {
  const whole = block1Echo === undefined ? response : { ...response, options: setOption(response.options ?? [], OptionNumber.BLOCK1, encodeBlock(block1Echo)) };
  const sliced = sliceResponse(whole, block2, ctx.config.maxBlockSzx);
  if (!sliced.ok) return diagnostic(Code.BAD_OPTION, 'Block2 number beyond the end of the representation');
  if (sliced.sliced && storeKey !== undefined && codeClass(response.code) === 2) storeBody(ctx, storeKey, response);
  return sliced.response;
}

export function dispatch(message: Message, from: PeerAddress, ctx: DeviceContext, table: ResourceTable): Dispatched {
  const reject = (response: ResourceResponse, resource?: Resource): Dispatched => ({ outcome: response, resource });
  // RFC 7252 §5.8: a method code the server does not know -> 4.05.
  if (!METHODS.has(message.code)) return reject(diagnostic(Code.METHOD_NOT_ALLOWED, 'unknown method'));
  // RFC 7252 §5.7.2 / §5.10.2: a device is no forward proxy.
  if (getOption(message, OptionNumber.PROXY_URI) !== undefined || getOption(message, OptionNumber.PROXY_SCHEME) !== undefined) {
    return reject(diagnostic(Code.PROXYING_NOT_SUPPORTED, 'this device is not a proxy'));
  }
  const bad = badCriticalOption(message);
  if (bad !== undefined) return reject(diagnostic(Code.BAD_OPTION, bad));
  const rawBlock1 = getOption(message, OptionNumber.BLOCK1);
  const decoded1 = rawBlock1 === undefined ? undefined : decodeBlock(rawBlock1);
  const block2 = requestedBlock2(message);
  // RFC 7959 §2.2: SZX 7 is reserved (BERT exists only over reliable transports, RFC 8323) -> 4.00.
  if (decoded1?.ok === false) return reject(diagnostic(Code.BAD_REQUEST, `Block1: ${decoded1.error}`));
  if (typeof block2 === 'string') return reject(diagnostic(Code.BAD_REQUEST, `Block2: ${block2}`));
  const block1 = decoded1?.value;

  const path = uriPath(message);
  const resource = table.find(path);
  // The vendor's NIC firmware answers an unknown resource with 5.01 (vendor guide; SPEC §3.4).
  if (resource === undefined) return reject(diagnostic(Code.NOT_IMPLEMENTED, `no resource ${path}`));
  const handler = resource.methods[message.code];
  if (handler === undefined) return reject(diagnostic(Code.METHOD_NOT_ALLOWED, `${path} does not support this method`), resource);

  const safe = message.code === Code.GET || message.code === Code.FETCH;
  const key = safe ? undefined : bodyKey(from, path);
  // RFC 7959 §2.7 / TD_COAP_BLOCK_05: later blocks of a POST/PUT answer come from the stored body.
  if (!safe && block1 === undefined && block2 !== undefined && block2.num > 0 && key !== undefined) {
    const stored = ctx.state.bodies?.get(key);
    if (stored === undefined || ctx.clock.now() - stored.storedAtMs > STORED_BODY_MS) {
      return reject(diagnostic(Code.REQUEST_ENTITY_INCOMPLETE, 'no response body to continue'), resource);
    }
    return reject(finish({ code: stored.code, options: stored.options, payload: stored.payload }, block2, undefined, ctx, undefined), resource);
  }

  const maxBytes = resource.maxBodyBytes?.(ctx.config) ?? ctx.config.maxBodyBytes;
  let payload = message.payload;
  if (block1 !== undefined) {
    const r = receiveBlock1(ctx.state, message, from, path, block1, maxBytes, ctx.clock.now());
    if (r.kind === 'answer') return reject(r.response, resource);
    payload = r.payload;
  } else {
    const tooLarge = checkWholeBody(message, maxBytes);
    if (tooLarge !== undefined) return reject(tooLarge, resource);
  }

  const request = { message, from, path, segments: uriPathSegments(message), query: uriQuery(message), payload };
  const outcome = handler(request, ctx);
  const echo = block1 === undefined ? undefined : { num: block1.num, more: false, szx: block1.szx };
  if (isDeferred(outcome)) {
    return { outcome: { delayMs: outcome.delayMs, produce: () => finish(outcome.produce(), block2, echo, ctx, key) }, resource };
  }
  return { outcome: finish(outcome, block2, echo, ctx, key), resource };
}
