// Observe option helpers: read it, and place it in an option list without touching the other options.
import { decodeUint, encodeUint, OptionNumber, type CoapOption, type Message } from '../../coap/index.js';

/** RFC 7641 §4.4: sequence numbers are 24-bit. */
export const OBSERVE_MODULO = 0x1000000;

/** The Observe value of a message, or undefined when absent (or longer than 3 bytes: RFC 7641 §2). */
export function observeValue(message: Message): number | undefined {
  const options = message.options;
  for (let i = 0; i < options.length; i++) {
    const o = options[i] as CoapOption;
    if (o.number === OptionNumber.OBSERVE) return o.value.length <= 3 ? decodeUint(o.value) : undefined;
    if (o.number > OptionNumber.OBSERVE) break;
  }
  return undefined;
}

/**
 * A copy of `options` with exactly one Observe option of `value`, in number order. The other option
 * objects are reused as given (never re-encoded).
 */
export function withObserve(options: readonly CoapOption[], value: number): CoapOption[] {
  const observe: CoapOption = { number: OptionNumber.OBSERVE, value: encodeUint(value % OBSERVE_MODULO) };
  let size = 1;
  for (let i = 0; i < options.length; i++) if ((options[i] as CoapOption).number !== OptionNumber.OBSERVE) size++;
  // Sized once: a list grown by push() keeps ~16 spare slots, and a registration keeps its list for days.
  const out = new Array<CoapOption>(size);
  let n = 0;
  let placed = false;
  for (let i = 0; i < options.length; i++) {
    const o = options[i] as CoapOption;
    if (o.number === OptionNumber.OBSERVE) continue;
    if (!placed && o.number > OptionNumber.OBSERVE) {
      out[n++] = observe;
      placed = true;
    }
    out[n++] = o;
  }
  if (!placed) out[n] = observe;
  return out;
}

/** A copy of `options` without Observe (for final responses, RFC 7641 §3.2/§4.2). */
export function withoutObserve(options: readonly CoapOption[]): readonly CoapOption[] {
  let found = false;
  for (const o of options) if (o.number === OptionNumber.OBSERVE) found = true;
  return found ? options.filter((o) => o.number !== OptionNumber.OBSERVE) : options;
}
