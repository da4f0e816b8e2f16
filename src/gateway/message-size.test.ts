// Unit tests: message-size arithmetic against the codec, the amplification cut and the one-datagram rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Code, MessageType, OptionNumber, encode, getUintOption, type CoapOption } from '../coap/index.js';
import { limitUnverified } from './amplification.js';
import { errorResponse, gatewayError } from './errors.js';
import { messageBytes } from './message-size.js';
import { oversizeResponse } from './upstream/request-size.js';

const option = fc.record({ number: fc.integer({ min: 1, max: 3000 }), value: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) });

test('messageBytes equals the encoded length for any token, options and payload (RFC 7252 §3)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 8 }), fc.array(option, { maxLength: 12 }), fc.integer({ min: 0, max: 2000 }), (tkl, raw, payloadLength) => {
      const options: CoapOption[] = [...raw].sort((a, b) => a.number - b.number);
      const datagram = encode({ type: MessageType.CON, code: Code.GET, messageId: 1, token: Buffer.alloc(tkl), options, payload: Buffer.alloc(payloadLength) });
      assert.equal(messageBytes(tkl, options, payloadLength), datagram.length);
    }),
    { numRuns: 500, seed: 3 },
  );
});

test('limitUnverified cuts error diagnostics to 3x the request, never splits UTF-8, leaves success alone', () => {
  const error = errorResponse(gatewayError('no-session', '\u00dc'.repeat(40)));
  const cut = limitUnverified(error, 12, 1);
  assert.ok(messageBytes(1, cut.options, cut.payload.length) <= 36);
  assert.equal(cut.payload.length, 28, 'an odd budget of 29 bytes holds 14 two-byte characters');
  assert.equal(cut.code, Code.UNAUTHORIZED);
  assert.ok(Buffer.from(cut.payload.toString('utf8'), 'utf8').equals(cut.payload), 'valid UTF-8');
  assert.equal(limitUnverified(error, 100, 1), error, 'room enough: unchanged');
  assert.equal(limitUnverified(error, 4, 8).payload.length, 0, 'no room: the text goes');
  const content = { code: Code.CONTENT, options: [], payload: Buffer.alloc(500) };
  assert.equal(limitUnverified(content, 4, 0), content);
});

test('oversizeResponse: 4.13 with Size1 for a large body, 4.00 for options that alone overflow, nothing when it fits', () => {
  const uriPath: CoapOption = { number: OptionNumber.URI_PATH, value: Buffer.from('gpio') };
  assert.equal(oversizeResponse({ type: 0, code: Code.PUT, options: [uriPath], payload: Buffer.alloc(1024) }), undefined);
  const big = oversizeResponse({ type: 0, code: Code.PUT, options: [uriPath], payload: Buffer.alloc(1025) });
  assert.equal(big?.code, Code.REQUEST_ENTITY_TOO_LARGE);
  assert.equal(getUintOption(big?.options ?? [], OptionNumber.SIZE1), 1024);
  const many = Array.from({ length: 600 }, (): CoapOption => ({ number: 2048, value: Buffer.from('a') }));
  assert.equal(oversizeResponse({ type: 0, code: Code.GET, options: many, payload: Buffer.alloc(0) })?.code, Code.BAD_REQUEST);
  assert.equal(oversizeResponse({ type: 0, code: Code.GET, options: many.slice(0, 300), payload: Buffer.alloc(0) }), undefined);
  const tight = oversizeResponse({ type: 0, code: Code.PUT, options: [uriPath], payload: Buffer.alloc(200) }, 128);
  assert.equal(getUintOption(tight?.options ?? [], OptionNumber.SIZE1), 128 - 4 - 8 - 5 - 1);
});
