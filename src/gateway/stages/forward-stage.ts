// Forward stage: one request to the device under NSTART and the deadline; outcome -> client response.
import type { Clock } from '../../base/index.js';
import { isRequestError, type Endpoint, type PeerAddress } from '../../engine/index.js';
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

/** Sends `request` to `peer` and maps the outcome; never rejects. */
export async function forwardStage(
  ctx: ForwardContext,
  peer: PeerAddress,
  host: string,
  request: UpstreamRequest,
  deadlineAt: number,
  deadlineMs: number,
): Promise<ResponseParts> {
  // Fast path: a free NSTART place is taken without a promise.
  const free = ctx.queues.tryAcquire(deviceKey(peer));
  const slot = free !== undefined ? ok(free) : await acquireDevice(ctx, peer, host, deadlineAt, deadlineMs);
  if (!slot.ok) return errorResponse(slot.error);
  // A request that leaves the queue at its deadline is not sent: no answer could come back in time, and
  // a dead device would only get more datagrams.
  if (deadlineAt - ctx.clock.now() < MIN_UPSTREAM_TIME_MS) {
    slot.value.release();
    return errorResponse(gatewayError('gateway-timeout', `${host} was busy until the deadline`));
  }
  try {
    const response = await ctx.upstreamFor(peer).request(peer, request, { timeoutMs: Math.max(1, deadlineAt - ctx.clock.now()) });
    // RFC 7252 §5.7.1 (strictOptions): a response with an unrecognized Unsafe option is 5.02.
    const checked = checkUpstreamResponseOptions(response, ctx.strictOptions);
    return checked.ok ? toClient(response) : errorResponse(checked.error);
  } catch (e) {
    return errorResponse(upstreamFailure(e, host, deadlineMs));
  } finally {
    slot.value.release();
  }
}
