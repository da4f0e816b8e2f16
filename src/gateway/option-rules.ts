// Option rules at the proxy (pure): RFC 7252 §5.4.1/§5.4.3/§5.4.5/§5.7.1 checks and RFC 8768 Hop-Limit.
import {
  OptionNumber,
  decodeUint,
  isCritical,
  isUnsafe,
  isValidOptionLength,
  optionDefinition,
  optionName,
  type CoapOption,
  type Message,
} from '../coap/index.js';
import { type Result, ok, err } from '../base/index.js';
import { gatewayError, type GatewayError } from './errors.js';

/**
 * Options the gateway acts on itself for proxied requests: their bad occurrences are errors in every
 * mode, because the gateway cannot do its job with them.
 */
const PROCESSED_BY_PROXY: ReadonlySet<number> = new Set([
  OptionNumber.URI_HOST,
  OptionNumber.URI_PORT,
  OptionNumber.URI_PATH,
  OptionNumber.URI_QUERY,
  OptionNumber.PROXY_URI,
  OptionNumber.PROXY_SCHEME,
  OptionNumber.BLOCK1,
  OptionNumber.BLOCK2,
]);

/**
 * The options of `message` the receiver must treat as unrecognized although their number is known:
 * a repeated non-repeatable option (RFC 7252 §5.4.5: every occurrence after the first) or a length
 * outside the option's range (RFC 7252 §5.4.3).
 */
export function malformedOptions(options: readonly CoapOption[]): CoapOption[] {
  return options.filter((_, i) => malformedAt(options, i));
}

/** Whether options[i] is one malformedOptions() would list (no array or Set per request on the hot path). */
function malformedAt(options: readonly CoapOption[], i: number): boolean {
  const o = options[i] as CoapOption;
  const def = optionDefinition(o.number);
  if (def === undefined) return false;
  const previous = i > 0 ? (options[i - 1] as CoapOption).number : -1;
  return (o.number === previous && !def.repeatable) || !isValidOptionLength(o.number, o.value.length);
}

const VALID: Result<void, GatewayError> = Object.freeze(ok(undefined));

function isKnown(n: number): boolean {
  return optionDefinition(n) !== undefined;
}

function badOption(o: CoapOption, why: string): GatewayError {
  return gatewayError('bad-option', `${optionName(o.number)}: ${why}`);
}

/**
 * Checks a request the gateway serves itself (RFC 7252 §5.4.1): an unrecognized or malformed critical
 * option is an error (4.02); elective ones are ignored.
 */
export function checkLocalRequestOptions(message: Message): Result<void, GatewayError> {
  const options = message.options;
  for (let i = 0; i < options.length; i++) {
    const o = options[i] as CoapOption;
    if (!isCritical(o.number)) continue;
    if (!isKnown(o.number)) return err(badOption(o, 'unrecognized critical option'));
    if (malformedAt(options, i)) return err(badOption(o, 'repeated or of invalid length'));
  }
  return VALID;
}

/**
 * Checks a request to be proxied. Malformed critical options the gateway acts on are 4.02 in every
 * mode. With `strict` (RFC 7252 §5.7.1) an unrecognized Unsafe option (malformed counts as
 * unrecognized) is 4.02 and the request is not forwarded; otherwise every such option is forwarded,
 * as the vendor guide promises ("forwards all CoAP options").
 */
export function checkProxyRequestOptions(message: Message, strict: boolean): Result<void, GatewayError> {
  const options = message.options;
  for (let i = 0; i < options.length; i++) {
    const o = options[i] as CoapOption;
    const bad = malformedAt(options, i);
    if (bad && PROCESSED_BY_PROXY.has(o.number) && isCritical(o.number)) {
      return err(badOption(o, 'repeated or of invalid length'));
    }
    if (strict && isUnsafe(o.number) && (bad || !isKnown(o.number))) {
      return err(badOption(o, 'unrecognized option that is unsafe to forward'));
    }
  }
  return VALID;
}

/**
 * Checks a device response before relaying it. With `strict` (RFC 7252 §5.7.1) an unrecognized
 * Unsafe option makes the response unusable: 5.02. Otherwise every option is relayed.
 */
export function checkUpstreamResponseOptions(message: Message, strict: boolean): Result<void, GatewayError> {
  if (!strict) return VALID;
  const options = message.options;
  for (let i = 0; i < options.length; i++) {
    const o = options[i] as CoapOption;
    if (isUnsafe(o.number) && (malformedAt(options, i) || !isKnown(o.number))) {
      return err(gatewayError('bad-gateway', `device response has ${optionName(o.number)}, which is unsafe to forward and not understood`));
    }
  }
  return VALID;
}

/**
 * RFC 8768 §3: the Hop-Limit to forward with. Absent: the configured initial value (default 16).
 * Present: must be 1..255 in one byte (else 4.00), then decremented; reaching 0 is 5.08 with the
 * gateway's identity as diagnostic payload.
 */
export function nextHopLimit(message: Message, defaultHopLimit: number, gatewayIdentity: string): Result<number, GatewayError> {
  let first: CoapOption | undefined;
  for (const o of message.options) {
    if (o.number === OptionNumber.HOP_LIMIT) {
      first = o;
      break;
    }
  }
  if (first === undefined) return ok(defaultHopLimit);
  // RFC 7252 §5.4.5: an extra occurrence of a non-repeatable elective option is ignored.
  if (first.value.length !== 1) return err(gatewayError('bad-request', 'Hop-Limit must be one byte from 1 to 255'));
  const value = decodeUint(first.value);
  if (value < 1 || value > 255) return err(gatewayError('bad-request', 'Hop-Limit must be from 1 to 255'));
  if (value - 1 === 0) return err(gatewayError('hop-limit-reached', gatewayIdentity));
  return ok(value - 1);
}
