// POST /echo: answers 2.05 with the request's payload and Content-Format, never amplifying for unknown clients.
import { Code, OptionNumber, getOption } from '../../coap/index.js';
import type { CoapOption } from '../../coap/index.js';
import type { LocalResource, LocalRequest } from './local-resource.js';
import type { ResponseParts } from '../errors.js';

/** CoAP header (4) + payload marker (1). */
const FIXED_BYTES = 5;

export function createEchoResource(): LocalResource {
  return {
    path: '/echo',
    methods: [Code.POST],
    link: { rt: 'core.echo', title: 'Echoes the payload back' },
    handle: (request) => echo(request),
  };
}

function echo(request: LocalRequest): ResponseParts {
  const format = getOption(request.message, OptionNumber.CONTENT_FORMAT);
  const options: CoapOption[] = format === undefined ? [] : [{ number: OptionNumber.CONTENT_FORMAT, value: format }];
  let payload = request.message.payload;
  if (!request.hasSession) {
    // RFC 7252 §11.3: an unverified source address must not get a response larger than its request.
    const overhead = FIXED_BYTES + request.message.token.length + (format === undefined ? 0 : 1 + format.length);
    const room = Math.max(0, request.requestBytes - overhead);
    if (payload.length > room) payload = payload.subarray(0, room);
  }
  return { code: Code.CONTENT, options, payload };
}
