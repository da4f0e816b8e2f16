// Error explanations and exit codes: what went wrong in words, with the next step to take.
import { Code, OptionNumber, codeClass, codeName, getUintOption, type Message } from '../coap/index.js';
import { isRequestError, type RequestErrorKind } from '../engine/index.js';
import { printableText } from './payload-view.js';

/** Process exit codes of the client commands (documented in every command's --help). */
export const ExitCode = {
  OK: 0,
  /** Anything else: local port busy, network unreachable, protocol error. */
  FAILURE: 1,
  USAGE: 2,
  TIMEOUT: 3,
  CLIENT_ERROR: 4,
  SERVER_ERROR: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** 0 for 2.xx, 4 for 4.xx, 5 for 5.xx, 1 for anything else. */
export function exitCodeFor(code: number): ExitCode {
  const cls = codeClass(code);
  if (cls === 2) return ExitCode.OK;
  if (cls === 4) return ExitCode.CLIENT_ERROR;
  if (cls === 5) return ExitCode.SERVER_ERROR;
  return ExitCode.FAILURE;
}

export interface ExplainContext {
  /** What the client was doing. */
  readonly action: 'login' | 'logout' | 'request';
  /** Our socket as the gateway sees it, e.g. "127.0.0.1:40000". */
  readonly local: string;
  /** The gateway, e.g. "127.0.0.1:5683". */
  readonly gateway: string;
  /** The target URI of a request. */
  readonly target?: string;
}

/** RFC 7252 §5.5.2: the diagnostic payload of an error response, as one line of text. */
export function diagnosticOf(message: Message): string {
  const text = printableText(message.payload);
  if (text === undefined) return message.payload.length === 0 ? '' : `(${message.payload.length} bytes of binary payload)`;
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

const LOGIN_HINT = 'run `coap-gateway login`';

/** One line for stderr explaining a 4.xx/5.xx response, e.g. "4.01 Unauthorized: no session for … — run `coap-gateway login`". */
export function explainResponse(message: Message, ctx: ExplainContext): string {
  const name = codeName(message.code);
  const diag = diagnosticOf(message);
  const says = diag === '' ? '' : ` (gateway says: ${diag})`;
  const maxAge = getUintOption(message, OptionNumber.MAX_AGE);
  switch (message.code) {
    case Code.UNAUTHORIZED:
      if (ctx.action === 'login') return `${name}: the gateway refused the token: ${diag === '' ? 'no reason given' : diag} — get a fresh token and log in again`;
      if (/permit|may not|not allowed/i.test(diag)) return `${name}: ${diag}${ctx.target === undefined ? '' : ` (${ctx.target})`} — the account's permissions do not cover this device or method`;
      if (diag === '' || /session/i.test(diag)) return `${name}: no session for ${ctx.local} — ${LOGIN_HINT}`;
      return `${name}: ${diag} — ${LOGIN_HINT}`;
    case Code.TOO_MANY_REQUESTS:
      return `${name}: ${diag === '' ? 'session limit reached' : diag} — log out another client (\`coap-gateway logout\`) or wait for idle sessions to close`;
    case Code.PRECONDITION_FAILED:
      if (ctx.action === 'logout') return `${name}: no session to close for ${ctx.local}${says}`;
      return diag === '' ? name : `${name}: ${diag}`;
    case Code.SERVICE_UNAVAILABLE: {
      const retry = maxAge !== undefined && maxAge > 0 ? ` — retry in ${maxAge} s` : '';
      if (/session/i.test(diag)) return `${name}: ${diag} — ${LOGIN_HINT} again`;
      return `${name}: ${diag === '' ? 'the gateway is overloaded' : diag}${retry}`;
    }
    case Code.GATEWAY_TIMEOUT:
      return `${name}: ${diag === '' ? 'the device did not answer in time' : diag}${ctx.target === undefined ? '' : ` (${ctx.target})`}`;
    case Code.BAD_GATEWAY:
      return `${name}: ${diag === '' ? 'the gateway could not reach the device' : diag}`;
    case Code.PROXYING_NOT_SUPPORTED:
      return `${name}: ${diag === '' ? 'the gateway will not forward to this target' : diag} — targets must be coap:// device names`;
    case Code.NOT_IMPLEMENTED:
      return `${name}: ${diag === '' ? `the device does not implement ${ctx.target ?? 'this resource'}` : diag}`;
    case Code.NOT_FOUND:
      return `${name}: ${diag === '' ? `no resource at ${ctx.target ?? 'this path'}` : diag}`;
    default:
      return diag === '' ? name : `${name}: ${diag}`;
  }
}

/** One line for a request that got no response at all. */
export function explainFailure(kind: RequestErrorKind, ctx: { readonly gateway: string; readonly timeoutMs: number }, detail = ''): string {
  switch (kind) {
    case 'timeout':
      return `timeout: no response from the gateway ${ctx.gateway} within ${ctx.timeoutMs / 1000} s — is it running? (\`coap-gateway status\` pings it)`;
    case 'reset':
      return `the gateway ${ctx.gateway} answered with a reset (RST): nothing there understood the request — check --gateway`;
    case 'cancelled':
    case 'closed':
      return 'interrupted before a response arrived';
    case 'invalid':
      return `the request could not be sent: ${detail}`;
  }
}

/** The exit code for a request that got no response. */
export function exitCodeForFailure(kind: RequestErrorKind): ExitCode {
  return kind === 'timeout' ? ExitCode.TIMEOUT : ExitCode.FAILURE;
}

/** The kind of the engine's RequestError (timeout, reset, ...), or undefined for any other error. */
export function failureKindOf(e: unknown): RequestErrorKind | undefined {
  return isRequestError(e) ? e.kind : undefined;
}
