// Authorize stage: the session's permissions must allow this method on this device, checked before any DNS.
import { methodName, type Target } from '../../coap/index.js';
import { type Result, ok, err } from '../../base/index.js';
import { gatewayError, type GatewayError } from '../errors.js';
import type { Principal } from './session-stage.js';

/** SPEC §3.3 / the guide: without permission, 4.01 Unauthorized. */
export function authorizeStage(principal: Principal, target: Target, methodCode: number): Result<void, GatewayError> {
  if (principal.permissions.allows(target.host, methodCode)) return ok(undefined);
  const method = methodName(methodCode) ?? `method ${methodCode}`;
  return err(gatewayError('not-permitted', `Account ${principal.session.account} may not ${method} ${target.host}`));
}
