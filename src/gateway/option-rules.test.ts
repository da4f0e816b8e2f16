import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, makeOptions, type Message, type CoapOption } from '../coap/index.js';
import {
  checkLocalRequestOptions,
  checkProxyRequestOptions,
  checkUpstreamResponseOptions,
  malformedOptions,
  nextHopLimit,
} from './option-rules.js';

function msg(options: CoapOption[], code: number = Code.GET): Message {
  return { type: MessageType.CON, code, messageId: 1, token: Buffer.from([1]), options, payload: Buffer.alloc(0) };
}

test('malformed: repeated non-repeatable and out-of-range lengths; unknown options never', () => {
  const opts = makeOptions([
    [7, Buffer.from([1, 2, 3])], // Uri-Port of 3 bytes
    [11, 'a'],
    [11, 'b'], // Uri-Path is repeatable
    [12, 0],
    [12, 40], // Content-Format repeated
    [2049, 'x'],
    [2049, 'y'], // unknown: not our business here
  ]);
  const bad = malformedOptions(opts).map((o) => o.number);
  assert.deepEqual(bad, [7, 12]);
});

test('local requests: unknown critical 4.02, unknown elective ignored (RFC 7252 §5.4.1)', () => {
  const critical = checkLocalRequestOptions(msg(makeOptions([[11, 'help'], [2049, 'x']])));
  assert.ok(!critical.ok);
  assert.equal(critical.error.kind, 'bad-option');
  assert.match(critical.error.detail ?? '', /Option 2049/);
  assert.ok(checkLocalRequestOptions(msg(makeOptions([[11, 'help'], [2048, 'x']]))).ok);
  const twoFormats = checkLocalRequestOptions(msg(makeOptions([[11, 'help'], [12, 0], [12, 40]])));
  assert.ok(twoFormats.ok, 'Content-Format is elective: an extra one is ignored');
  assert.ok(!checkLocalRequestOptions(msg(makeOptions([[11, 'help'], [17, 0], [17, 40]]))).ok, 'Accept is critical');
  const twoHosts = checkLocalRequestOptions(msg(makeOptions([[3, 'a'], [3, 'b']])));
  assert.ok(!twoHosts.ok, 'Uri-Host is critical: an extra one is an error');
});

test('proxy requests, default mode: every unknown option passes (the seed forwards all)', () => {
  const opts = makeOptions([[35, 'coap://h/x'], [2048, 'a'], [2049, 'b'], [2050, 'c'], [2051, 'd']]);
  assert.ok(checkProxyRequestOptions(msg(opts), false).ok);
});

test('proxy requests, strict mode: unknown Unsafe is 4.02, unknown safe passes (RFC 7252 §5.7.1)', () => {
  for (const n of [2050, 2051]) {
    const r = checkProxyRequestOptions(msg(makeOptions([[35, 'coap://h/x'], [n, 'c']])), true);
    assert.ok(!r.ok, `option ${n}`);
    assert.equal(r.error.kind, 'bad-option');
  }
  assert.ok(checkProxyRequestOptions(msg(makeOptions([[35, 'coap://h/x'], [2048, 'a'], [2049, 'b'], [65000, 'z']])), true).ok);
});

test('proxy requests: two Proxy-Uri or an empty Proxy-Uri is 4.02 in every mode (R32/R33)', () => {
  for (const strict of [false, true]) {
    const two = checkProxyRequestOptions(msg(makeOptions([[35, 'coap://a/x'], [35, 'coap://b/y']])), strict);
    assert.ok(!two.ok);
    assert.equal(two.error.kind, 'bad-option');
    const empty = checkProxyRequestOptions(msg([{ number: 35, value: Buffer.alloc(0) }]), strict);
    assert.ok(!empty.ok);
  }
});

test('device responses: strict mode refuses unknown Unsafe options with 5.02', () => {
  const response = msg(makeOptions([[2050, 'x']]), Code.CONTENT);
  assert.ok(checkUpstreamResponseOptions(response, false).ok);
  const r = checkUpstreamResponseOptions(response, true);
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'bad-gateway');
  assert.ok(checkUpstreamResponseOptions(msg(makeOptions([[2048, 'x']]), Code.CONTENT), true).ok);
});

test('Hop-Limit: default inserted, decremented, 0 and bad lengths rejected, 1 -> 5.08 (RFC 8768 §3)', () => {
  assert.deepEqual(nextHopLimit(msg([]), 16, 'gw'), { ok: true, value: 16 });
  assert.deepEqual(nextHopLimit(msg(makeOptions([[16, 16]])), 16, 'gw'), { ok: true, value: 15 });
  assert.deepEqual(nextHopLimit(msg(makeOptions([[16, 2]])), 16, 'gw'), { ok: true, value: 1 });
  const reached = nextHopLimit(msg(makeOptions([[16, 1]])), 16, '127.0.0.1');
  assert.ok(!reached.ok);
  assert.equal(reached.error.kind, 'hop-limit-reached');
  assert.equal(reached.error.detail, '127.0.0.1');
  const zero = nextHopLimit(msg([{ number: 16, value: Buffer.from([0]) }]), 16, 'gw');
  assert.ok(!zero.ok);
  assert.equal(zero.error.kind, 'bad-request');
  const empty = nextHopLimit(msg([{ number: 16, value: Buffer.alloc(0) }]), 16, 'gw');
  assert.ok(!empty.ok);
  const wide = nextHopLimit(msg([{ number: 16, value: Buffer.from([1, 0]) }]), 16, 'gw');
  assert.ok(!wide.ok);
  assert.equal(wide.error.kind, 'bad-request');
});
