// Target stage: the device a proxied request names (Proxy-Uri / Proxy-Scheme), or the gateway itself.
import { isIP } from 'node:net';
import { targetFromRequest, type Message, type Target } from '../../coap/index.js';
import { type Result, ok, err } from '../../base/index.js';
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
 * RFC 7252 §5.7.2 / §5.10.2. A malformed Proxy-Uri is 4.02 (§5.4.1: the option cannot be processed);
 * a scheme other than coap is 5.05. A target naming the gateway itself is served locally (no loop).
 */
export function targetStage(request: Message, self: SelfIdentity): Result<TargetOutcome, GatewayError> {
  const t = targetFromRequest(request.options);
  if (!t.ok) return err(gatewayError('malformed-target', t.error));
  const target = t.value;
  if (target.scheme !== 'coap') {
    return err(gatewayError('proxying-not-supported', `Scheme "${target.scheme}" is not proxied; only coap`));
  }
  if (namesGateway(target, self)) return ok({ kind: 'local', message: localizeRequest(request, target) });
  return ok({ kind: 'device', target });
}
