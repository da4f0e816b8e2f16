// Property tests for the codec: round trips over arbitrary valid messages, hostile bytes never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from './codec.js';
import type { CoapOption, Message, MessageType } from './message.js';

const bytes = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

// Option numbers biased towards the delta/length boundaries 12/13/268/269 and the 65535 ceiling.
const optionNumber = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom(12, 13, 14, 268, 269, 270, 292, 2048, 2049, 2050, 2051, 65000, 65535),
  fc.integer({ min: 0, max: 65535 }),
);
const optionValue = fc.oneof(
  { weight: 6, arbitrary: bytes(14) },
  { weight: 2, arbitrary: fc.integer({ min: 12, max: 300 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.integer({ min: 265, max: 1100 }).map((n) => Buffer.alloc(n, 0x5a)) },
);
const options = fc
  .array(fc.record({ number: optionNumber, value: optionValue }), { maxLength: 8 })
  .map((list) => [...list].sort((a, b) => a.number - b.number) as CoapOption[]);
// Any code outside the reserved classes 1, 6, 7 and not the empty code.
const code = fc.integer({ min: 1, max: 255 }).filter((c) => ![1, 6, 7].includes(c >>> 5));

const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.integer({ min: 0, max: 3 }).map((t) => t as MessageType),
    code,
    messageId: fc.integer({ min: 0, max: 0xffff }),
    token: bytes(8),
    options,
    payload: bytes(80),
  }),
  fc.record({
    type: fc.integer({ min: 0, max: 3 }).map((t) => t as MessageType),
    code: fc.constant(0),
    messageId: fc.integer({ min: 0, max: 0xffff }),
    token: fc.constant(Buffer.alloc(0)),
    options: fc.constant([] as CoapOption[]),
    payload: fc.constant(Buffer.alloc(0)),
  }),
);

const plain = (m: Message): unknown => ({
  type: m.type,
  code: m.code,
  messageId: m.messageId,
  token: [...m.token],
  options: m.options.map((o) => [o.number, [...o.value]]),
  payload: [...m.payload],
});

test('decode(encode(m)) = m and encode(decode(x)) = x for arbitrary valid messages', () => {
  fc.assert(
    fc.property(message, (m) => {
      const wire = encode(m);
      const r = decode(wire);
      assert.ok(r.ok, r.ok ? '' : r.error.reason);
      assert.deepEqual(plain(r.value), plain(m));
      assert.deepEqual(encode(r.value), wire);
    }),
    { numRuns: 2000 },
  );
});

test('decode never throws on arbitrary bytes, and whatever it accepts re-encodes byte-exact', () => {
  fc.assert(
    fc.property(bytes(120), (raw) => {
      const r = decode(raw);
      if (r.ok) assert.deepEqual(encode(r.value), raw);
      else assert.ok(r.error.reason.length > 0);
    }),
    { numRuns: 5000 },
  );
});

test('decode never throws on mutated valid messages; accepted ones re-encode byte-exact', () => {
  const mutated = fc.tuple(message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat());
  fc.assert(
    fc.property(mutated, ([m, edits, cut]) => {
      const wire = Buffer.from(encode(m));
      for (const [at, value] of edits) wire[at % wire.length] = value;
      const datagram = wire.subarray(0, wire.length - (cut % 3));
      const r = decode(datagram);
      if (r.ok) assert.deepEqual(encode(r.value), datagram);
      else {
        assert.ok(r.error.reason.length > 0);
        if (datagram.length >= 4) assert.equal(r.error.messageId, datagram.readUInt16BE(2));
      }
    }),
    { numRuns: 3000 },
  );
});

test('every injected format error is rejected with its kind', () => {
  const nonEmpty = message.filter((m) => m.code !== 0);
  fc.assert(
    fc.property(nonEmpty, fc.integer({ min: 0, max: 5 }), fc.constantFrom(1, 6, 7), (m, which, reservedClass) => {
      const wire = encode({ ...m, payload: Buffer.alloc(0) });
      let bad: Buffer;
      let kind: string;
      switch (which) {
        case 0:
          bad = Buffer.from(wire);
          bad[0] = ((bad[0] as number) & 0x3f) | 0x80;
          kind = 'bad-version';
          break;
        case 1:
          bad = Buffer.from(wire);
          bad[0] = ((bad[0] as number) & 0xf0) | 9;
          kind = 'bad-token-length';
          break;
        case 2:
          bad = Buffer.concat([wire, Buffer.from([0xff])]);
          kind = 'empty-payload';
          break;
        case 3:
          bad = Buffer.concat([wire, Buffer.from([0xf1, 0x00])]);
          kind = 'bad-option-delta';
          break;
        case 4:
          bad = Buffer.from(wire);
          bad[1] = (reservedClass << 5) | ((bad[1] as number) & 0x1f);
          kind = 'reserved-code';
          break;
        default:
          bad = Buffer.concat([wire, Buffer.from([0x05, 0x61])]);
          kind = 'truncated-option';
      }
      const r = decode(bad);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error.kind, kind);
        assert.equal(r.error.messageId, m.messageId);
      }
    }),
    { numRuns: 1000 },
  );
});
