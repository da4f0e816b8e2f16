// Endpoint: composes messaging, exchanges and Observe into one RFC 7252 endpoint (work in progress).
import type { Endpoint, EndpointOptions } from './endpoint-types.js';

export function createEndpoint(_options: EndpointOptions): Endpoint {
  throw new Error('createEndpoint: not implemented yet');
}
