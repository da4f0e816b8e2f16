// Payload rendering by Content-Format: link-format table, pretty JSON, decoded CBOR, text, or a hex dump.
import { ContentFormat, parseLinkFormat } from '../coap/index.js';
import { cborDiagnostic, cborToJson, decodeCbor, decodeCborSequence } from './cbor.js';
import { linksToJson, renderLinkTable } from './link-table.js';

export type PayloadKind = 'empty' | 'text' | 'json' | 'link-format' | 'cbor' | 'hex';

/** One payload, ready for people (`text`) and for `--json` output (`value`). */
export interface PayloadView {
  readonly kind: PayloadKind;
  readonly text: string;
  readonly value: unknown;
  /** Why the payload is shown other than its Content-Format says (e.g. "not valid JSON"). */
  readonly note?: string;
}

const JSON_FORMATS: ReadonlySet<number> = new Set([
  ContentFormat.JSON, ContentFormat.JSON_PATCH_JSON, ContentFormat.MERGE_PATCH_JSON, ContentFormat.SENML_JSON,
  ContentFormat.SENSML_JSON, ContentFormat.COAP_GROUP_JSON,
]);
const CBOR_FORMATS: ReadonlySet<number> = new Set([
  ContentFormat.CBOR, ContentFormat.CWT, ContentFormat.SENML_CBOR, ContentFormat.SENSML_CBOR, ContentFormat.COSE_ENCRYPT0,
  ContentFormat.COSE_MAC0, ContentFormat.COSE_SIGN1, ContentFormat.MULTIPART_CORE,
]);
const TEXT_FORMATS: ReadonlySet<number> = new Set([ContentFormat.TEXT_PLAIN, ContentFormat.XML]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload as UTF-8 text when it is valid and printable (tabs and line breaks allowed). */
export function printableText(payload: Buffer): string | undefined {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return undefined;
  }
  // C0 controls other than \t \n \r, DEL and C1 controls mean binary.
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(text) ? undefined : text;
}

/** xxd-style dump: offset, 16 bytes in hex, and their printable ASCII. */
export function hexDump(payload: Buffer, maxBytes = 4096): string {
  const lines: string[] = [];
  const shown = payload.subarray(0, maxBytes);
  for (let offset = 0; offset < shown.length; offset += 16) {
    const row = shown.subarray(offset, offset + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (payload.length > maxBytes) lines.push(`… ${payload.length - maxBytes} more bytes`);
  return lines.join('\n');
}

function hexView(payload: Buffer, note?: string): PayloadView {
  return { kind: 'hex', text: hexDump(payload), value: { hex: payload.toString('hex') }, ...(note === undefined ? {} : { note }) };
}

function textView(text: string, note?: string): PayloadView {
  return { kind: 'text', text, value: text, ...(note === undefined ? {} : { note }) };
}

function jsonView(payload: Buffer): PayloadView | undefined {
  const text = printableText(payload);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return { kind: 'json', text: JSON.stringify(value, null, 2), value };
  } catch {
    return undefined;
  }
}

function cborView(payload: Buffer, sequence: boolean): PayloadView | undefined {
  if (sequence) {
    const items = decodeCborSequence(payload);
    if (!items.ok) return undefined;
    return { kind: 'cbor', text: items.value.map((v) => cborDiagnostic(v)).join(',\n'), value: items.value.map(cborToJson) };
  }
  const item = decodeCbor(payload);
  if (!item.ok) return undefined;
  return { kind: 'cbor', text: cborDiagnostic(item.value), value: cborToJson(item.value) };
}

function linkView(payload: Buffer): PayloadView | undefined {
  const text = printableText(payload);
  if (text === undefined) return undefined;
  const links = parseLinkFormat(text);
  if (!links.ok) return undefined;
  return { kind: 'link-format', text: renderLinkTable(links.value), value: linksToJson(links.value) };
}

/**
 * Renders a payload by its Content-Format (RFC 7252 §5.10.3). A payload that does not parse as its
 * format is shown as text or hex with a note; without a Content-Format, printable UTF-8 is text
 * (diagnostic payloads of error responses, RFC 7252 §5.5.2) and anything else hex.
 */
export function viewPayload(payload: Buffer, contentFormat: number | undefined): PayloadView {
  if (payload.length === 0) return { kind: 'empty', text: '', value: null };
  const fallback = (what: string): PayloadView => {
    const text = printableText(payload);
    return text === undefined ? hexView(payload, `not valid ${what}`) : textView(text, `not valid ${what}`);
  };
  if (contentFormat === ContentFormat.LINK_FORMAT) return linkView(payload) ?? fallback('link-format');
  if (contentFormat !== undefined && JSON_FORMATS.has(contentFormat)) return jsonView(payload) ?? fallback('JSON');
  if (contentFormat === ContentFormat.CBOR_SEQ) return cborView(payload, true) ?? hexView(payload, 'not a valid CBOR sequence');
  if (contentFormat !== undefined && CBOR_FORMATS.has(contentFormat)) return cborView(payload, false) ?? hexView(payload, 'not valid CBOR');
  if (contentFormat === undefined || TEXT_FORMATS.has(contentFormat)) {
    const text = printableText(payload);
    if (text !== undefined) return textView(text);
    return hexView(payload, contentFormat === undefined ? undefined : 'not valid UTF-8 text');
  }
  return hexView(payload);
}
