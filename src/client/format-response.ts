// Response output: code, options and payload for people, or one JSON object for scripts (`--json`).
import {
  OptionNumber, codeClass, codeName, codeText, contentFormatName, decodeBlock, decodeUint, getUintOption, optionDefinition, optionName,
  type CoapOption, type Message,
} from '../coap/index.js';
import { viewPayload, type PayloadView } from './payload-view.js';

function formatName(format: number): string {
  const name = contentFormatName(format);
  return name === undefined ? String(format) : `${name} (${format})`;
}

/** One option value in words: formats by name, block options as NUM/M/SIZE, opaque values in hex. */
export function optionText(option: CoapOption): string {
  const n = option.number;
  if (n === OptionNumber.CONTENT_FORMAT || n === OptionNumber.ACCEPT) return formatName(decodeUint(option.value));
  if (n === OptionNumber.BLOCK1 || n === OptionNumber.BLOCK2) {
    const b = decodeBlock(option.value);
    // RFC 7959 §3 notation: NUM/M/SIZE.
    return b.ok ? `${b.value.num}/${b.value.more ? 1 : 0}/${b.value.size}` : `0x${option.value.toString('hex')} (malformed)`;
  }
  const format = optionDefinition(n)?.format ?? 'opaque';
  if (format === 'empty') return option.value.length === 0 ? '(set)' : `0x${option.value.toString('hex')}`;
  if (format === 'uint' && option.value.length <= 6) return String(decodeUint(option.value));
  if (format === 'string') return option.value.toString('utf8');
  return option.value.length === 0 ? '(empty)' : `0x${option.value.toString('hex')}`;
}

function optionJson(option: CoapOption): unknown {
  const n = option.number;
  if (n === OptionNumber.BLOCK1 || n === OptionNumber.BLOCK2) {
    const b = decodeBlock(option.value);
    if (b.ok) return { num: b.value.num, more: b.value.more, size: b.value.size };
  }
  const format = optionDefinition(n)?.format ?? 'opaque';
  if (format === 'uint' && option.value.length <= 6) return decodeUint(option.value);
  if (format === 'string') return option.value.toString('utf8');
  return option.value.toString('hex');
}

export interface FormattedResponse {
  /** What to print on stdout. */
  readonly text: string;
  readonly view: PayloadView;
}

/** Human-readable: "2.05 Content", the options one per line, a blank line, the payload. */
export function formatResponse(message: Message): FormattedResponse {
  const format = getUintOption(message, OptionNumber.CONTENT_FORMAT);
  const view = viewPayload(message.payload, format);
  const lines = [codeName(message.code)];
  for (const o of message.options) lines.push(`  ${optionName(o.number)}: ${optionText(o)}`);
  if (view.kind !== 'empty') {
    lines.push('');
    if (view.note !== undefined) lines.push(`(${view.note}; shown as ${view.kind === 'hex' ? 'hex' : 'text'})`);
    lines.push(view.text);
  }
  return { text: lines.join('\n'), view };
}

/** The response as a JSON-ready object; stable field names (scripts read them). */
export function responseJson(message: Message, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const format = getUintOption(message, OptionNumber.CONTENT_FORMAT);
  const view = viewPayload(message.payload, format);
  const name = codeName(message.code);
  return {
    ...extra,
    code: codeText(message.code),
    status: name.slice(codeText(message.code).length).trim(),
    ok: codeClass(message.code) === 2,
    options: message.options.map((o) => ({ number: o.number, name: optionName(o.number), value: optionJson(o) })),
    ...(format === undefined ? {} : { contentFormat: format }),
    payloadBytes: message.payload.length,
    payloadKind: view.kind,
    payload: view.value,
  };
}
