// Public surface of client: the friendly CLI client's logic (targets, requests, block-wise, output, state).
export {
  type RequestTarget, type GatewayAddress, DEFAULT_GATEWAY, parseTarget, discoveryTarget, parseGatewayAddress, formatAddress,
} from './target.js';
export {
  type RequestSpec, parseContentFormat, parseBlockSize, parseTimeoutSeconds, parsePositiveInt, requestOptions, describeRequest,
} from './request-spec.js';
export { type SendRequest, type TransferProgress, type TransferOptions, transfer, completeBlock2 } from './block-transfer.js';
export {
  type ClientConnection, type CallOptions, type ObserveHandlers, type ObserveHandle, type GatewayClient, createGatewayClient,
} from './gateway-client.js';
export { type CborValue, decodeCbor, decodeCborSequence, cborDiagnostic, cborToJson } from './cbor.js';
export { type PayloadKind, type PayloadView, viewPayload, hexDump, printableText } from './payload-view.js';
export { renderLinkTable, linksToJson } from './link-table.js';
export { type FormattedResponse, formatResponse, responseJson, optionText } from './format-response.js';
export {
  ExitCode, type ExplainContext, exitCodeFor, explainResponse, explainFailure, exitCodeForFailure, diagnosticOf, failureKindOf,
} from './explain.js';
export {
  type ClientState, type SessionInfo, type StatePathInputs, resolveStatePath, parseState, serializeState, readState, writeState, removeState,
} from './state-file.js';
export { type TokenPeek, peekToken } from './token-peek.js';
export { progressLine } from './progress-line.js';
