// Tests for Block1/Block2 values (RFC 7959 §2.2) and block slicing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBlock, encodeBlock, sizeToSzx, sliceBlock, szxToSize } from './block.js';

test('decodes the three value lengths', () => {
  assert.deepEqual(decodeBlock(Buffer.alloc(0)), { ok: true, value: { num: 0, more: false, szx: 0, size: 16 } });
  assert.deepEqual(decodeBlock(Buffer.from([0x1e])), { ok: true, value: { num: 1, more: true, szx: 6, size: 1024 } });
  assert.deepEqual(decodeBlock(Buffer.from([0x12, 0x32])), { ok: true, value: { num: 0x123, more: false, szx: 2, size: 64 } });
  assert.deepEqual(decodeBlock(Buffer.from([0xff, 0xff, 0xfe])), { ok: true, value: { num: 0xfffff, more: true, szx: 6, size: 1024 } });
});

test('SZX 7 and values over 3 bytes are rejected', () => {
  const r = decodeBlock(Buffer.from([0x07]));
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /reserved/);
  assert.equal(decodeBlock(Buffer.from([0, 0, 0, 1])).ok, false);
});

test('encodes minimally and round-trips every valid value', () => {
  assert.equal(encodeBlock({ num: 0, more: false, szx: 0 }).length, 0);
  assert.deepEqual([...encodeBlock({ num: 0, more: true, szx: 2 })], [0x0a]);
  assert.deepEqual([...encodeBlock({ num: 16, more: false, szx: 6 })], [0x01, 0x06]);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xfffff }), fc.boolean(), fc.integer({ min: 0, max: 6 }), (num, more, szx) => {
      const r = decodeBlock(encodeBlock({ num, more, szx }));
      assert.ok(r.ok);
      assert.deepEqual(r.value, { num, more, szx, size: 16 << szx });
    }),
  );
  assert.throws(() => encodeBlock({ num: 1 << 20, more: false, szx: 0 }), RangeError);
  assert.throws(() => encodeBlock({ num: 0, more: false, szx: 7 }), RangeError);
});

test('sizes and exponents', () => {
  assert.equal(szxToSize(0), 16);
  assert.equal(szxToSize(6), 1024);
  assert.equal(sizeToSzx(1024), 6);
  assert.equal(sizeToSzx(5000), 6);
  assert.equal(sizeToSzx(100), 2);
  assert.equal(sizeToSzx(1), 0);
});

test('sliceBlock cuts a body and sets M', () => {
  const body = Buffer.from('a'.repeat(40));
  const b0 = sliceBlock(body, 0, 0);
  assert.equal(b0?.payload.length, 16);
  assert.equal(b0?.block.more, true);
  const b2 = sliceBlock(body, 2, 0);
  assert.equal(b2?.payload.length, 8);
  assert.equal(b2?.block.more, false);
  assert.equal(sliceBlock(body, 3, 0), undefined);
  const exact = sliceBlock(Buffer.alloc(32), 1, 0);
  assert.equal(exact?.block.more, false);
  assert.equal(sliceBlock(Buffer.alloc(32), 2, 0), undefined);
  const empty = sliceBlock(Buffer.alloc(0), 0, 6);
  assert.equal(empty?.payload.length, 0);
  assert.equal(empty?.block.more, false);
});
