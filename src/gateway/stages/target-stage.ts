// Target stage: the device a proxied request names (Proxy-Uri / Proxy-Scheme), or the gateway itself.
import { isIP } from 'node:net';
import { OptionNumber, targetFromRequest, type CoapOption, type Message, type Target } from '../../coap/index.js';
import { BoundedMap, type Result, ok, err } from '../../base/index.js';
import { gatewayError, type GatewayError } from '../errors.js';
import { localizeRequest } from '../translate.js';

export type TargetOutcome = { readonly kind: 'device'; readonly target: Target } | { readonly kind: 'local'; readonly message: Message };

/** Who the gateway is: its names and the address/port clients reach it on. */
export interface SelfIdentity {
  readonly names: ReadonlySet<string>;
  readonly port: number;
  readonly addresses: ReadonlySet<string>;
}

function namesGateway(target: Target, self: SelfIdentity): boolean {
  if (target.port !== self.port) return false;
  if (target.hostKind === 'name') return self.names.has(target.host);
  return self.addresses.has(target.host);
}

/** Addresses that reach a socket bound to `bound` ("0.0.0.0" and "::" mean every local one we can name). */
export function selfAddresses(bound: string): Set<string> {
  const out = new Set<string>([bound.toLowerCase()]);
  if (bound === '0.0.0.0' || bound === '::' || isIP(bound) === 0) {
    out.add('127.0.0.1');
    out.add('::1');
  }
  return out;
}

/**
 * Parsed Proxy-Uri targets by the option's text: clients poll the same few URIs, and parsing,
 * validating and re-composing a URI (RFC 7252 §6.4/§6.5) is the costliest pure step per request.
 * Targets are immutable, so one is shared by every request that names it. FIFO-bounded.
 */
export class TargetCache {
  private readonly byProxyUri: BoundedMap<string, Target>;

  constructor(maxEntries = 16_384) {
    this.byProxyUri = new BoundedMap(maxEntries);
  }

  get size(): number {
    return this.byProxyUri.size;
  }

  /** `targetFromRequest`, answered from the cache when the request has exactly one Proxy-Uri and no other Proxy-*. */
  parse(options: readonly CoapOption[]): Result<Target, string> {
    let proxyUri: Buffer | undefined;
    let proxyOptions = 0;
    for (const o of options) {
      if (o.number === OptionNumber.PROXY_URI) proxyUri = o.value;
      if (o.number === OptionNumber.PROXY_URI || o.number === OptionNumber.PROXY_SCHEME) proxyOptions++;
    }
    if (proxyUri === undefined || proxyOptions !== 1) return targetFromRequest(options);
    const key = proxyUri.toString('latin1');
    const hit = this.byProxyUri.get(key);
    if (hit !== undefined) return ok(hit);
    const parsed = targetFromRequest(options);
    // Only good targets are kept: junk from a hostile client must not push them out.
    if (!parsed.ok) return parsed;
    const target: Target = Object.freeze({ ...parsed.value, options: Object.freeze(parsed.value.options) as CoapOption[] });
    this.byProxyUri.set(key, target);
    return ok(target);
  }
}

/**
 * RFC 7252 §5.7.2 / §5.10.2. A malformed Proxy-Uri is 4.02 (§5.4.1: the option cannot be processed);
 * a scheme other than coap is 5.05. A target naming the gateway itself is served locally (no loop).
 */
export function targetStage(request: Message, self: SelfIdentity, targets?: TargetCache): Result<TargetOutcome, GatewayError> {
  const t = targets === undefined ? targetFromRequest(request.options) : targets.parse(request.options);
  if (!t.ok) return err(gatewayError('malformed-target', t.error));
  const target = t.value;
  if (target.scheme !== 'coap') {
    return err(gatewayError('proxying-not-supported', `Scheme "${target.scheme}" is not proxied; only coap`));
  }
  if (namesGateway(target, self)) return ok({ kind: 'local', message: localizeRequest(request, target) });
  return ok({ kind: 'device', target });
}
