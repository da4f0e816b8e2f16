// GET /help: the vendor guide's plain-text instructions (login, sticky, logout, echo), word for word.
import { Code, ContentFormat, OptionNumber, encodeUint } from '../../coap/index.js';
import type { LocalResource } from './local-resource.js';

/** Exactly the text the guide shows the gateway answering to GET /help. */
export const HELP_TEXT = [
  'To login, send POST to /sessions',
  "To have your session follow your account across different clients, include the query parameter '&sticky=true'.",
  'To logout, send DELETE to /sessions.',
  'To echo a payload, send POST to /echo.',
].join('\n');

const PAYLOAD = Buffer.from(HELP_TEXT, 'utf8');

const answer = () => ({
  code: Code.CONTENT,
  options: [{ number: OptionNumber.CONTENT_FORMAT, value: encodeUint(ContentFormat.TEXT_PLAIN) }],
  payload: PAYLOAD,
});

export function createHelpResource(): LocalResource {
  return {
    path: '/help',
    methods: [Code.GET],
    link: { rt: 'core.help', title: 'How to use this gateway', ct: ContentFormat.TEXT_PLAIN },
    handle: answer,
  };
}

/** The guide's `coap-client -m get -p 54321 coap://gatewayhost` (no Uri-Path at all) gets the help text too. */
export function createRootResource(): LocalResource {
  return { path: '/', methods: [Code.GET], link: {}, listed: false, handle: answer };
}
