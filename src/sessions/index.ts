// Public surface of sessions: the session model, the store interface and its three stores, and the service.
export {
  type Session,
  type SessionRecord,
  SESSION_FIELDS,
  clientKeyOf,
  sessionToRecord,
  sessionFromRecord,
} from './session.js';
export type { SessionStore, ClaimResult, Claimed, ClaimRefused, SessionActivity } from './session-store.js';
export { createMemoryStore } from './stores/memory-store.js';
export { createSqliteStore, openSessionDatabase } from './stores/sqlite-store.js';
export { createRedisStore } from './stores/redis-store.js';
export {
  type SessionService,
  type SessionServiceOptions,
  type LoginRequest,
  type LoginResult,
  type LoginFailure,
  SessionStoreUnavailableError,
  createSessionService,
} from './session-service.js';
export {
  type CloseReason,
  type SessionOpenedEvent,
  type SessionClosedEvent,
  sessionOpenedChannel,
  sessionClosedChannel,
} from './session-events.js';
