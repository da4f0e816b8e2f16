// Forward stage: one request to the device under NSTART and the deadline; outcome -> client response.
import type { Clock } from '../../base/index.js';
import { isRequestError, type Endpoint, type PeerAddress, type RequestError, type ResponseListener } from '../../engine/index.js';
import type { Message } from '../../coap/index.js';
import { errorResponse, gatewayError, type GatewayError, type ResponseParts } from '../errors.js';
import { checkUpstreamResponseOptions } from '../option-rules.js';
import { toClient, type UpstreamRequest } from '../translate.js';
import type { DeviceQueues, DeviceSlot } from '../upstream/device-queues.js';
import type { Result } from '../../base/index.js';
import { ok, err } from '../../base/index.js';

export interface ForwardContext {
  /** The device-leg endpoint for a peer (IPv4 and IPv6 devices may need different sockets). */
  readonly upstreamFor: (peer: PeerAddress) => Endpoint;
  readonly queues: DeviceQueues;
  readonly clock: Clock;
  readonly strictOptions: boolean;
  readonly queueFullMaxAgeSec: number;
}

export function deviceKey(peer: PeerAddress): string {
  return peer.address.includes(':') ? `[${peer.address}]:${peer.port}` : `${peer.address}:${peer.port}`;
}

/** What an upstream failure means for the client (RFC 7252 §5.7.1: a timeout MUST be 5.04). */
export function upstreamFailure(e: unknown, host: string, deadlineMs: number): GatewayError {
  if (isRequestError(e)) {
    switch (e.kind) {
      case 'timeout':
      case 'cancelled':
        return gatewayError('gateway-timeout', `No answer from ${host} within ${Math.round(deadlineMs / 1000)} s`);
      case 'reset':
        return gatewayError('bad-gateway', `${host} refused the request (RST)`);
      case 'closed':
        return gatewayError('overloaded', 'Gateway is shutting down', 5);
      case 'invalid':
        return gatewayError('internal', 'Request could not be sent upstream');
    }
  }
  return gatewayError('internal');
}

/**
 * A place among the device's NSTART outstanding requests (RFC 7252 §4.7), waiting at most until the
 * deadline. A full queue is 5.03 with Max-Age (RFC 7252 §5.9.3.4); a deadline passed in the queue 5.04.
 */
export async function acquireDevice(ctx: ForwardContext, peer: PeerAddress, host: string, deadlineAt: number, deadlineMs: number): Promise<Result<DeviceSlot, GatewayError>> {
  const remaining = deadlineAt - ctx.clock.now();
  if (remaining <= 0) return err(gatewayError('gateway-timeout', `No answer from ${host} within ${Math.round(deadlineMs / 1000)} s`));
  const acquired = ctx.queues.acquire(deviceKey(peer), remaining);
  if (!acquired.ok) {
    return err(gatewayError('overloaded', `Too many requests waiting for ${host}; retry after Max-Age`, ctx.queueFullMaxAgeSec));
  }
  const slot = await acquired.value;
  if (slot === undefined) return err(gatewayError('gateway-timeout', `${host} was busy until the deadline`));
  return ok(slot);
}

/** Below this much time left before the deadline a queued request is answered 5.04 instead of sent. */
const MIN_UPSTREAM_TIME_MS = 50;

/**
 * One request on its way to the device: the engine's listener, holder of the NSTART place, and the
 * settler of the one promise the cache stage waits on. One object per request instead of an async
 * frame, an engine promise and their closures (the forwarding path's garbage drives GC pauses).
 */
class ForwardCall implements ResponseListener {
  constructor(
    private readonly ctx: ForwardContext,
    private readonly host: string,
    private readonly deadlineMs: number,
    private readonly slot: DeviceSlot,
    private readonly settle: (parts: ResponseParts) => void,
  ) {}

  onResponse(response: Message): void {
    this.slot.release();
    let parts: ResponseParts;
    try {
      // RFC 7252 §5.7.1 (strictOptions): a response with an unrecognized Unsafe option is 5.02.
      const checked = checkUpstreamResponseOptions(response, this.ctx.strictOptions);
      parts = checked.ok ? toClient(response) : errorResponse(checked.error);
    } catch {
      // Called from the engine's receive path: nothing may escape into it.
      parts = errorResponse(gatewayError('internal'));
    }
    this.settle(parts);
  }

  onError(error: RequestError): void {
    this.slot.release();
    this.settle(errorResponse(upstreamFailure(error, this.host, this.deadlineMs)));
  }
}

/** Sends `request` to `peer` and maps the outcome; never rejects. */
export function forwardStage(
  ctx: ForwardContext,
  peer: PeerAddress,
  host: string,
  request: UpstreamRequest,
  deadlineAt: number,
  deadlineMs: number,
): Promise<ResponseParts> {
  // Fast path: a free NSTART place is taken without a promise.
  const free = ctx.queues.tryAcquire(deviceKey(peer));
  if (free !== undefined) return send(ctx, peer, host, request, free, deadlineAt, deadlineMs);
  return acquireDevice(ctx, peer, host, deadlineAt, deadlineMs).then((slot) =>
    slot.ok ? send(ctx, peer, host, request, slot.value, deadlineAt, deadlineMs) : errorResponse(slot.error),
  );
}

function send(
  ctx: ForwardContext,
  peer: PeerAddress,
  host: string,
  request: UpstreamRequest,
  slot: DeviceSlot,
  deadlineAt: number,
  deadlineMs: number,
): Promise<ResponseParts> {
  // A request that leaves the queue at its deadline is not sent: no answer could come back in time, and
  // a dead device would only get more datagrams.
  const left = deadlineAt - ctx.clock.now();
  if (left < MIN_UPSTREAM_TIME_MS) {
    slot.release();
    return Promise.resolve(errorResponse(gatewayError('gateway-timeout', `${host} was busy until the deadline`)));
  }
  return new Promise<ResponseParts>((settle) => {
    ctx.upstreamFor(peer).requestWith(peer, request, new ForwardCall(ctx, host, deadlineMs, slot, settle), { timeoutMs: Math.max(1, left) });
  });
}
