// Public surface of engine: one RFC 7252 endpoint (messaging, exchanges, Observe) and its types.
export { createEndpoint } from './endpoint.js';
export {
  type Timing,
  type DerivedTiming,
  DEFAULT_ACK_TIMEOUT_MS,
  resolveTiming,
  timingWarnings,
} from './timing.js';
export { RequestError, type RequestErrorKind, isRequestError } from './request-error.js';
export { TimerQueue, type Timed } from './timer-queue.js';
export type {
  Endpoint,
  EndpointOptions,
  EndpointLimits,
  EndpointStats,
  OutgoingRequest,
  OutgoingResponse,
  RequestOptions,
  RequestHandler,
  ResponseListener,
  ServeOptions,
  ServerExchange,
  ServerObserver,
  ObserverEndReason,
  ObserverListener,
  ObserverOptions,
  ClientObservation,
  ObserveCallbacks,
  ObservationEndReason,
} from './endpoint-types.js';
export {
  engineEvents,
  type RetransmitEvent,
  type GiveUpEvent,
  type DuplicateEvent,
  type MalformedEvent,
} from './events.js';
export type { PeerAddress, DatagramTransport } from '../transport/index.js';
