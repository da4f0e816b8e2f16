// Session stage: the client socket's live session and its compiled permissions; none -> 4.01.
import { BoundedMap, type Result, ok, err } from '../../base/index.js';
import { compilePermissions, parsePermissions, type PermissionSet } from '../../auth/index.js';
import type { Session, SessionService } from '../../sessions/index.js';
import { gatewayError, type GatewayError } from '../errors.js';

export interface Principal {
  readonly session: Session;
  readonly permissions: PermissionSet;
}

const NOTHING: PermissionSet = compilePermissions([]);
/** Compiled permission sets kept per session id (a login compiles once, not per request). */
const COMPILED_CACHE = 10_000;

export class SessionStage {
  private readonly compiled = new BoundedMap<string, PermissionSet>(COMPILED_CACHE);

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

  /** SPEC §3.2: any request on a closed or unknown session is 4.01. */
  async require(clientKey: string): Promise<Result<Principal, GatewayError>> {
    const found = await this.find(clientKey);
    if (!found.ok) return found;
    if (found.value === undefined) return err(gatewayError('no-session'));
    return ok(found.value);
  }

  forget(sessionId: string): void {
    this.compiled.delete(sessionId);
  }

  private permissionsOf(session: Session): PermissionSet {
    const cached = this.compiled.get(session.id);
    if (cached !== undefined) return cached;
    const rules = parsePermissions(session.permissions);
    // Stored permissions that no longer validate grant nothing (fail closed).
    const set = rules.ok ? compilePermissions(rules.value) : NOTHING;
    this.compiled.set(session.id, set);
    return set;
  }
}
