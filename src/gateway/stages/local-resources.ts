// Local-resources stage: routes a request for the gateway itself to /help, /sessions, /echo or /.well-known/core.
import type { Clock } from '../../base/index.js';
import { methodName, uriPath } from '../../coap/index.js';
import { Block1Assembler } from '../resources/local-block1.js';
import { limitUnverified } from '../amplification.js';
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
export function createLocalResources(resources: readonly LocalResource[], strictOptions: boolean, clock: Clock): LocalResources {
  const all: LocalResource[] = [...resources];
  const block1 = new Block1Assembler(clock);
  all.unshift(createWellKnownCore(() => all, strictOptions));
  const byPath = new Map(all.map((r) => [r.path, r]));
  async function serve(request: LocalRequest): Promise<ResponseParts> {
    // RFC 7252 §5.4.1: unrecognized critical options in a request for us: 4.02.
    const options = checkLocalRequestOptions(request.message);
    if (!options.ok) return errorResponse(options.error);
    const resource = byPath.get(uriPath(request.message));
    if (resource === undefined) return errorResponse(gatewayError('not-found'));
    if (!resource.methods.includes(request.message.code)) {
      return errorResponse(gatewayError('method-not-allowed', `${uriPath(request.message)} allows ${resource.methods.map((m) => methodName(m) ?? String(m)).join(', ')}`));
    }
    const key = `${request.from.address}|${request.from.port}|${resource.path}|${request.message.code}`;
    const assembled = block1.feed(key, request.message);
    if (assembled.kind === 'respond') return assembled.response;
    const handled = await resource.handle({ ...request, message: assembled.message });
    // RFC 7959 §2.3: the final response of a Block1 upload carries the last Block1.
    const response = assembled.ack === undefined ? handled : { ...handled, options: [...handled.options, assembled.ack].sort((a, b) => a.number - b.number) };
    const sliced = applyBlock2(request.message, response, request.requestBytes, request.hasSession);
    return sliced.ok ? sliced.value : errorResponse(sliced.error);
  }
  return {
    resources: all,
    handle: async (request) => {
      const response = await serve(request);
      // RFC 7252 §11.3: no large answers, errors included, to an address no session has verified.
      return request.hasSession ? response : limitUnverified(response, request.requestBytes, request.message.token.length);
    },
  };
}
