// Resolve stage: device name in a configured domain -> address via DNS; IP literals only when allowed.
import type { Target } from '../../coap/index.js';
import { type BoundedMap, type Result, ok, err } from '../../base/index.js';
import type { PeerAddress } from '../../engine/index.js';
import { parseDeviceName } from '../../resolver/index.js';
import { gatewayError, type GatewayError } from '../errors.js';
import type { ResolveHost } from '../gateway-options.js';
import type { Resolution, ResolveFailure } from '../../resolver/index.js';

export interface ResolvePolicy {
  readonly domains: readonly string[];
  readonly allowIpLiterals: boolean;
  /** Host -> the device-name check's error (null: a good name); a pure function of host and domains. */
  readonly nameChecks?: BoundedMap<string, string | null>;
}

function checkDeviceName(host: string, policy: ResolvePolicy): string | null {
  const memo = policy.nameChecks?.get(host);
  if (memo !== undefined) return memo;
  const name = parseDeviceName(host, policy.domains);
  const verdict = name.ok ? null : name.error.message;
  policy.nameChecks?.set(host, verdict);
  return verdict;
}

/**
 * SPEC §3.3: names are `SSN<MAC>.<domain>` of configured domains, resolved with DNS; an unknown domain
 * or an unresolvable name is 5.02 with a diagnostic (RFC 7252 §5.9.3.3). An IP-literal target the
 * configuration does not allow is 5.05 (RFC 7252 §5.7.2: the proxy will not serve it).
 */
export function resolveStage(target: Target, policy: ResolvePolicy, resolve: ResolveHost): Result<PeerAddress, GatewayError> | Promise<Result<PeerAddress, GatewayError>> {
  if (target.hostKind !== 'name') {
    if (!policy.allowIpLiterals) return err(gatewayError('proxying-not-supported', 'IP-literal targets are not allowed; use the device name'));
    return ok({ address: target.host, port: target.port });
  }
  const nameError = checkDeviceName(target.host, policy);
  if (nameError !== null) return err(gatewayError('unresolvable', nameError));
  const resolved = resolve(target.host);
  const port = target.port;
  // A cached name answers synchronously: no promise per request.
  return resolved instanceof Promise ? resolved.then((r) => toPeer(r, port)) : toPeer(resolved, port);
}

function toPeer(resolved: Result<Resolution, ResolveFailure>, port: number): Result<PeerAddress, GatewayError> {
  if (!resolved.ok) return err(gatewayError('unresolvable', resolved.error.message));
  return ok({ address: resolved.value.address, port });
}
