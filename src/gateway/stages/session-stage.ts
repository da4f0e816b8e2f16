// Session stage: the client socket's live session and its compiled permissions; none -> 4.01.
import { type Result, ok, err } from '../../base/index.js';
import { compilePermissions, parsePermissions, type PermissionSet } from '../../auth/index.js';
import type { Session, SessionService } from '../../sessions/index.js';
import { gatewayError, type GatewayError } from '../errors.js';

export interface Principal {
  readonly session: Session;
  readonly permissions: PermissionSet;
}

const NOTHING: PermissionSet = compilePermissions([]);

export class SessionStage {
  /**
   * Compiled sets by the session's permissions value: the session service hands every session with the
   * same permissions one shared (frozen) value, so all of an account's sessions share one compiled set,
   * and it goes when the last session holding that value goes.
   */
  private readonly compiled = new WeakMap<object, PermissionSet>();

  constructor(private readonly sessions: SessionService) {}

  /** The session on `clientKey`, or undefined; a store failure is 5.03 (try again), never a crash. */
  async find(clientKey: string): Promise<Result<Principal | undefined, GatewayError>> {
    let session: Session | undefined;
    try {
      session = await this.sessions.lookup(clientKey);
    } catch {
      return err(gatewayError('overloaded', 'Session store unavailable, try again', 5));
    }
    if (session === undefined) return ok(undefined);
    return ok({ session, permissions: this.permissionsOf(session) });
  }

  /** require(), synchronously when the session cache can answer; undefined when the store must be asked. */
  requireCached(clientKey: string): Result<Principal, GatewayError> | undefined {
    const session = this.sessions.lookupCached(clientKey);
    if (session === null) return undefined;
    if (session === undefined) return err(gatewayError('no-session'));
    return ok({ session, permissions: this.permissionsOf(session) });
  }

  /** SPEC §3.2: any request on a closed or unknown session is 4.01. */
  async require(clientKey: string): Promise<Result<Principal, GatewayError>> {
    const found = await this.find(clientKey);
    if (!found.ok) return found;
    if (found.value === undefined) return err(gatewayError('no-session'));
    return ok(found.value);
  }

  /** Nothing is kept per session id any more (compiled sets follow their permissions value). */
  forget(_sessionId: string): void {}

  private permissionsOf(session: Session): PermissionSet {
    const value = session.permissions;
    if (typeof value !== 'object' || value === null) return NOTHING;
    const cached = this.compiled.get(value);
    if (cached !== undefined) return cached;
    const rules = parsePermissions(value);
    // Stored permissions that no longer validate grant nothing (fail closed).
    const set = rules.ok ? compilePermissions(rules.value) : NOTHING;
    this.compiled.set(value, set);
    return set;
  }
}
