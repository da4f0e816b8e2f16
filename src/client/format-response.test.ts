// Unit tests: payload views by Content-Format, the link table, response text and JSON, option rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ContentFormat, MessageType, OptionNumber, encodeBlock, encodeUint, makeOptions, type Message } from '../coap/index.js';
import { formatResponse, optionText, responseJson } from './format-response.js';
import { hexDump, printableText, viewPayload } from './payload-view.js';
import { renderLinkTable } from './link-table.js';
import { parseLinkFormat } from '../coap/index.js';

function response(code: number, options: ReadonlyArray<readonly [number, Buffer | string | number]>, payload: Buffer | string): Message {
  return { type: MessageType.ACK, code, messageId: 1, token: Buffer.alloc(0), options: makeOptions(options), payload: Buffer.from(payload) };
}

const LINKS = '</time>;rt="ssn.time";if="core.p";ct="0 50";obs;title="Device clock",</fw>;rt="ssn.firmware";ct=42;sz=65536,</x>;foo=bar';

test('link-format becomes a table with the attribute columns in use and OTHER for the rest', () => {
  const links = parseLinkFormat(LINKS);
  assert.ok(links.ok);
  assert.equal(
    renderLinkTable(links.value),
    [
      'RESOURCE  RT            IF      CT    SZ     OBS  TITLE         OTHER',
      '/time     ssn.time      core.p  0 50         yes  Device clock',
      '/fw       ssn.firmware          42    65536',
      '/x                                                              foo=bar',
    ].join('\n'),
  );
  assert.equal(renderLinkTable([]), '(no resources)');
  const view = viewPayload(Buffer.from(LINKS), ContentFormat.LINK_FORMAT);
  assert.equal(view.kind, 'link-format');
  assert.deepEqual((view.value as unknown[])[0], { href: '/time', rt: 'ssn.time', if: 'core.p', ct: '0 50', obs: true, title: 'Device clock' });
});

test('payloads are shown by Content-Format: JSON pretty, CBOR decoded, text, binary as hex; bad ones with a note', () => {
  const json = viewPayload(Buffer.from('{"a":[1,2]}'), ContentFormat.JSON);
  assert.equal(json.kind, 'json');
  assert.equal(json.text, '{\n  "a": [\n    1,\n    2\n  ]\n}');
  assert.deepEqual(json.value, { a: [1, 2] });
  const senml = viewPayload(Buffer.from('[{"n":"t","v":1}]'), ContentFormat.SENML_JSON);
  assert.equal(senml.kind, 'json');
  const cbor = viewPayload(Buffer.from('a26161016162820203', 'hex'), ContentFormat.CBOR);
  assert.equal(cbor.kind, 'cbor');
  assert.equal(cbor.text, '{"a": 1, "b": [2, 3]}');
  assert.deepEqual(cbor.value, { a: 1, b: [2, 3] });
  const seq = viewPayload(Buffer.from('0102', 'hex'), ContentFormat.CBOR_SEQ);
  assert.deepEqual(seq.value, [1, 2]);
  assert.deepEqual(viewPayload(Buffer.from('hello\nworld'), ContentFormat.TEXT_PLAIN), { kind: 'text', text: 'hello\nworld', value: 'hello\nworld' });
  assert.equal(viewPayload(Buffer.from('diagnostic'), undefined).kind, 'text', 'no Content-Format: printable is text');
  const binary = viewPayload(Buffer.from([0, 1, 2, 0xff]), ContentFormat.OCTET_STREAM);
  assert.equal(binary.kind, 'hex');
  assert.deepEqual(binary.value, { hex: '000102ff' });
  assert.equal(viewPayload(Buffer.from([0x41, 0]), undefined).kind, 'hex');
  const notJson = viewPayload(Buffer.from('{oops'), ContentFormat.JSON);
  assert.deepEqual([notJson.kind, notJson.note], ['text', 'not valid JSON']);
  const notCbor = viewPayload(Buffer.from('1c', 'hex'), ContentFormat.CBOR);
  assert.deepEqual([notCbor.kind, notCbor.note], ['hex', 'not valid CBOR']);
  assert.equal(viewPayload(Buffer.from([0xc3, 0x28]), ContentFormat.TEXT_PLAIN).note, 'not valid UTF-8 text');
  assert.equal(viewPayload(Buffer.alloc(0), ContentFormat.JSON).kind, 'empty');
});

test('hex dumps show offsets, bytes and ASCII, and cap long payloads', () => {
  assert.equal(hexDump(Buffer.from('ABC\x00')), `00000000  ${'41 42 43 00'.padEnd(47)}  ABC.`);
  const long = hexDump(Buffer.alloc(40, 0x61), 32);
  assert.deepEqual(long.split('\n').map((l) => l.slice(0, 8)), ['00000000', '00000010', '… 8 more']);
  assert.equal(printableText(Buffer.from('tab\there\r\n')), 'tab\there\r\n');
  assert.equal(printableText(Buffer.from('bell\x07')), undefined);
});

test('options render by meaning: format names, block NUM/M/SIZE, uint, string, opaque hex, unknown numbers', () => {
  assert.equal(optionText({ number: OptionNumber.CONTENT_FORMAT, value: encodeUint(50) }), 'application/json (50)');
  assert.equal(optionText({ number: OptionNumber.ACCEPT, value: encodeUint(9999) }), '9999');
  assert.equal(optionText({ number: OptionNumber.BLOCK2, value: encodeBlock({ num: 3, more: true, szx: 6 }) }), '3/1/1024');
  assert.equal(optionText({ number: OptionNumber.BLOCK1, value: Buffer.from([0x0f]) }), '0x0f (malformed)');
  assert.equal(optionText({ number: OptionNumber.MAX_AGE, value: encodeUint(60) }), '60');
  assert.equal(optionText({ number: OptionNumber.LOCATION_PATH, value: Buffer.from('x') }), 'x');
  assert.equal(optionText({ number: OptionNumber.ETAG, value: Buffer.from('cafe', 'hex') }), '0xcafe');
  assert.equal(optionText({ number: OptionNumber.IF_NONE_MATCH, value: Buffer.alloc(0) }), '(set)');
  assert.equal(optionText({ number: 2048, value: Buffer.from([1, 2]) }), '0x0102');
});

test('a response prints code, options and payload; JSON output has stable fields', () => {
  const m = response(Code.CONTENT, [[OptionNumber.CONTENT_FORMAT, 50], [OptionNumber.MAX_AGE, 30], [2048, Buffer.from([7])]], '{"t":1}');
  assert.equal(formatResponse(m).text, '2.05 Content\n  Content-Format: application/json (50)\n  Max-Age: 30\n  Option 2048: 0x07\n\n{\n  "t": 1\n}');
  assert.deepEqual(responseJson(m, { request: 'GET x' }), {
    request: 'GET x',
    code: '2.05',
    status: 'Content',
    ok: true,
    options: [
      { number: 12, name: 'Content-Format', value: 50 },
      { number: 14, name: 'Max-Age', value: 30 },
      { number: 2048, name: 'Option 2048', value: '07' },
    ],
    contentFormat: 50,
    payloadBytes: 7,
    payloadKind: 'json',
    payload: { t: 1 },
  });
  const note = formatResponse(response(Code.CONTENT, [[OptionNumber.CONTENT_FORMAT, 50]], 'nope')).text;
  assert.match(note, /\(not valid JSON; shown as text\)\nnope$/);
  const err = responseJson(response(Code.BAD_GATEWAY, [], 'DNS: no such name'));
  assert.deepEqual([err['code'], err['status'], err['ok'], err['payload']], ['5.02', 'Bad Gateway', false, 'DNS: no such name']);
  assert.equal(formatResponse(response(Code.DELETED, [], '')).text, '2.02 Deleted');
});
