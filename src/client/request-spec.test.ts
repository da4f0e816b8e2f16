// Unit tests: flag parsing (formats, block sizes, timeouts) and the options of a request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, OptionNumber, decodeUint } from '../coap/index.js';
import { describeRequest, parseBlockSize, parseContentFormat, parsePositiveInt, parseTimeoutSeconds, requestOptions } from './request-spec.js';
import { parseTarget } from './target.js';

test('content formats by number, short name or media type', () => {
  assert.deepEqual(parseContentFormat('50'), { ok: true, value: 50 });
  assert.deepEqual(parseContentFormat('json'), { ok: true, value: 50 });
  assert.deepEqual(parseContentFormat('application/json'), { ok: true, value: 50 });
  assert.deepEqual(parseContentFormat('TEXT'), { ok: true, value: 0 });
  assert.deepEqual(parseContentFormat('text/plain;charset=utf-8'), { ok: true, value: 0 });
  assert.deepEqual(parseContentFormat('cbor'), { ok: true, value: 60 });
  assert.deepEqual(parseContentFormat('application/senml+cbor'), { ok: true, value: 112 });
  assert.deepEqual(parseContentFormat('link-format'), { ok: true, value: 40 });
  assert.equal(parseContentFormat('70000').ok, false);
  const unknown = parseContentFormat('image/png');
  assert.equal(unknown.ok, false);
  assert.match(unknown.ok ? '' : unknown.error, /unknown content format "image\/png" \(use a number, or one of: text, /);
});

test('block sizes, timeouts and counts', () => {
  assert.deepEqual(parseBlockSize('16'), { ok: true, value: 0 });
  assert.deepEqual(parseBlockSize('1024'), { ok: true, value: 6 });
  assert.equal(parseBlockSize('100').ok, false);
  assert.equal(parseBlockSize('2048').ok, false);
  assert.deepEqual(parseTimeoutSeconds('1.5'), { ok: true, value: 1500 });
  for (const bad of ['0', '-1', 'x', '', '1e9']) assert.equal(parseTimeoutSeconds(bad).ok, false, bad);
  assert.deepEqual(parsePositiveInt('3', '--count'), { ok: true, value: 3 });
  assert.equal(parsePositiveInt('0', '--count').ok, false);
  assert.equal(parsePositiveInt('2.5', '--count').ok, false);
});

test('request options: target options, Content-Format and Accept, sorted', () => {
  const target = parseTarget('dev.test/x');
  assert.ok(target.ok);
  const spec = { method: Code.PUT, target: target.value, payload: Buffer.from('1'), contentFormat: 0, accept: 50, nonConfirmable: false };
  const options = requestOptions(spec);
  assert.deepEqual(options.map((o) => o.number), [OptionNumber.CONTENT_FORMAT, OptionNumber.ACCEPT, OptionNumber.PROXY_URI]);
  assert.equal(options[0]?.value.length, 0, 'Content-Format 0 is the empty uint');
  assert.equal(decodeUint(options[1]?.value ?? Buffer.alloc(0)), 50);
  assert.equal(describeRequest(spec), 'PUT coap://dev.test/x');
  const { contentFormat: _format, accept: _accept, ...bare } = spec;
  assert.deepEqual(requestOptions(bare).map((o) => o.number), [OptionNumber.PROXY_URI]);
});
