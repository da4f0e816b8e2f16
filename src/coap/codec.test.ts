// Tests for the codec: RFC 7252 §3 format errors, byte-exact round trips, extended fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, type DecodeErrorKind } from './codec.js';
import { MessageType, type Message } from './message.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function expectError(bytes: Buffer, kind: DecodeErrorKind): void {
  const r = decode(bytes);
  assert.equal(r.ok, false, `expected ${kind} for ${bytes.toString('hex')}`);
  if (!r.ok) {
    assert.equal(r.error.kind, kind);
    assert.ok(r.error.reason.length > 0);
  }
}

test('decodes a CON GET with token, Uri-Path options and payload', () => {
  // CON GET mid 0x1234 token 0xcafe, Uri-Path "time", Uri-Path "x", payload "hi"
  const bytes = hex('42 01 1234 cafe b4 74696d65 01 78 ff 6869');
  const r = decode(bytes);
  assert.ok(r.ok);
  const m = r.value;
  assert.equal(m.type, MessageType.CON);
  assert.equal(m.code, 1);
  assert.equal(m.messageId, 0x1234);
  assert.deepEqual([...m.token], [0xca, 0xfe]);
  assert.deepEqual(m.options.map((o) => [o.number, o.value.toString()]), [[11, 'time'], [11, 'x']]);
  assert.equal(m.payload.toString(), 'hi');
  assert.deepEqual(encode(m), bytes);
});

test('option values are views into the datagram (zero copy)', () => {
  const bytes = hex('40 01 0001 b4 74696d65');
  const r = decode(bytes);
  assert.ok(r.ok);
  const value = r.value.options[0]?.value;
  assert.ok(value);
  assert.equal(value.buffer, bytes.buffer);
  bytes[5] = 0x54; // 'T'
  assert.equal(value.toString(), 'Time');
});

test('format errors carry type and message id when the header was readable', () => {
  const r = decode(hex('42 01 abcd 01'));
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.error.kind, 'truncated-token');
    assert.equal(r.error.type, MessageType.CON);
    assert.equal(r.error.messageId, 0xabcd);
  }
  const short = decode(hex('40 01'));
  assert.equal(short.ok, false);
  if (!short.ok) {
    assert.equal(short.error.kind, 'too-short');
    assert.equal(short.error.messageId, undefined);
  }
});

test('rejects every RFC 7252 §3 format error', () => {
  expectError(hex(''), 'too-short');
  expectError(hex('400100'), 'too-short');
  expectError(hex('80 01 0001'), 'bad-version'); // version 2
  expectError(hex('00 01 0001'), 'bad-version'); // version 0
  for (let tkl = 9; tkl <= 15; tkl++) expectError(Buffer.from([0x40 | tkl, 1, 0, 1, ...new Array<number>(tkl).fill(0)]), 'bad-token-length');
  expectError(hex('40 01 0001 ff'), 'empty-payload');
  expectError(hex('40 01 0001 b1 61 ff'), 'empty-payload');
  expectError(hex('40 01 0001 f0'), 'bad-option-delta');
  expectError(hex('40 01 0001 0f'), 'bad-option-length');
  expectError(hex('40 01 0001 1f'), 'bad-option-length');
  expectError(hex('40 01 0001 d0'), 'truncated-option'); // delta ext missing
  expectError(hex('40 01 0001 e0 01'), 'truncated-option'); // 2-byte delta ext cut
  expectError(hex('40 01 0001 0d'), 'truncated-option'); // length ext missing
  expectError(hex('40 01 0001 0e 00'), 'truncated-option');
  expectError(hex('40 01 0001 b4 7469'), 'truncated-option'); // value cut
  expectError(hex('42 01 0001 ca'), 'truncated-token');
  expectError(hex('41 00 0001 aa'), 'bad-empty-message'); // token
  expectError(hex('40 00 0001 b0'), 'bad-empty-message'); // option
  expectError(hex('40 00 0001 ff 01'), 'bad-empty-message'); // payload
  for (const cls of [1, 6, 7]) expectError(Buffer.from([0x40, (cls << 5) | 1, 0, 1]), 'reserved-code');
  // delta 14 ext 0xffff -> 65535 + 269 > 65535
  expectError(hex('40 01 0001 e0 ffff'), 'option-number-too-large');
  // two options summing past 65535
  expectError(hex('40 01 0001 e0 fef2 d0 00'), 'option-number-too-large');
});

test('accepts the largest option number, class 3 codes and an empty message', () => {
  const max = decode(hex('40 01 0001 e0 fef2')); // 269 + 0xfef2 = 65535
  assert.ok(max.ok);
  assert.equal(max.value.options[0]?.number, 65535);
  assert.ok(decode(Buffer.from([0x50, 0x61, 0, 1])).ok); // class 3
  const ping = decode(hex('40 00 0001'));
  assert.ok(ping.ok);
  assert.equal(ping.value.code, 0);
});

test('extended delta and length, both 13 and 14 forms, round-trip', () => {
  const long = Buffer.alloc(300, 0x61);
  const msg: Message = {
    type: MessageType.NON,
    code: 0x45,
    messageId: 7,
    token: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]),
    options: [
      { number: 12, value: Buffer.alloc(0) },
      { number: 35, value: Buffer.alloc(20, 0x62) },
      { number: 292, value: long },
      { number: 2048, value: Buffer.from([1]) },
      { number: 65535, value: Buffer.alloc(0) },
    ],
    payload: Buffer.from('x'),
  };
  const bytes = encode(msg);
  const r = decode(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.value.options.map((o) => [o.number, o.value.length]), [[12, 0], [35, 20], [292, 300], [2048, 1], [65535, 0]]);
  assert.deepEqual(encode(r.value), bytes);
  // Option 35 after 12: delta 23 -> nibble 13 ext 10; length 20 -> nibble 13 ext 7
  const i = 4 + 8 + 1;
  assert.deepEqual([...bytes.subarray(i, i + 3)], [0xdd, 10, 7]);
});

test('encode writes no payload marker for an empty payload and sorts stably', () => {
  const msg: Message = {
    type: MessageType.CON,
    code: 1,
    messageId: 0xffff,
    token: Buffer.alloc(0),
    options: [
      { number: 15, value: Buffer.from('b') },
      { number: 11, value: Buffer.from('p1') },
      { number: 15, value: Buffer.from('a') },
      { number: 11, value: Buffer.from('p2') },
    ],
    payload: Buffer.alloc(0),
  };
  const bytes = encode(msg);
  assert.notEqual(bytes[bytes.length - 1], 0xff);
  const r = decode(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.value.options.map((o) => `${o.number}:${o.value.toString()}`), ['11:p1', '11:p2', '15:b', '15:a']);
  assert.equal(r.value.messageId, 0xffff);
});

test('encode rejects what no datagram can carry', () => {
  const base: Message = { type: 0, code: 1, messageId: 1, token: Buffer.alloc(9), options: [], payload: Buffer.alloc(0) };
  assert.throws(() => encode(base), RangeError);
  assert.throws(() => encode({ ...base, token: Buffer.alloc(0), options: [{ number: 65536, value: Buffer.alloc(0) }] }), RangeError);
});
