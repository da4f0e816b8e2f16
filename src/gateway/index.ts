// Public surface of gateway: the CoAP forward proxy pipeline, its settings, error catalog and pure translation.
export { createGateway } from './pipeline.js';
export {
  type Gateway,
  type GatewayOptions,
  type GatewaySettings,
  type GatewayStats,
  type GatewayCacheStats,
  type ResolveHost,
  DEFAULT_GATEWAY_SETTINGS,
} from './gateway-options.js';
export {
  type GatewayError,
  type GatewayErrorKind,
  type ResponseParts,
  gatewayError,
  errorResponse,
  errorCode,
  isGatewayError,
} from './errors.js';
export { type UpstreamRequest, toUpstream, toClient, isProxyRequest, localizeRequest } from './translate.js';
export { checkLocalRequestOptions, checkProxyRequestOptions, checkUpstreamResponseOptions, nextHopLimit } from './option-rules.js';
export { HELP_TEXT } from './resources/help-resource.js';
export { isSuppressed } from './no-response.js';
