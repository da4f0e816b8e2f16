// Local-resources stage: routes a request for the gateway itself to /help, /sessions, /echo or /.well-known/core.
import { methodName, uriPath } from '../../coap/index.js';
import { errorResponse, gatewayError, type ResponseParts } from '../errors.js';
import { checkLocalRequestOptions } from '../option-rules.js';
import { applyBlock2 } from '../resources/local-block2.js';
import type { LocalRequest, LocalResource } from '../resources/local-resource.js';
import { createWellKnownCore } from '../resources/well-known-core.js';

export interface LocalResources {
  readonly resources: readonly LocalResource[];
  handle(request: LocalRequest): Promise<ResponseParts>;
}

/** `resources` plus /.well-known/core listing them. */
export function createLocalResources(resources: readonly LocalResource[], strictOptions: boolean): LocalResources {
  const all: LocalResource[] = [...resources];
  all.unshift(createWellKnownCore(() => all, strictOptions));
  const byPath = new Map(all.map((r) => [r.path, r]));
  return {
    resources: all,
    handle: async (request) => {
      // RFC 7252 §5.4.1: unrecognized critical options in a request for us: 4.02.
      const options = checkLocalRequestOptions(request.message);
      if (!options.ok) return errorResponse(options.error);
      const resource = byPath.get(uriPath(request.message));
      if (resource === undefined) return errorResponse(gatewayError('not-found'));
      if (!resource.methods.includes(request.message.code)) {
        return errorResponse(gatewayError('method-not-allowed', `${uriPath(request.message)} allows ${resource.methods.map((m) => methodName(m) ?? String(m)).join(', ')}`));
      }
      const response = await resource.handle(request);
      const sliced = applyBlock2(request.message, response, request.requestBytes, request.hasSession);
      return sliced.ok ? sliced.value : errorResponse(sliced.error);
    },
  };
}
