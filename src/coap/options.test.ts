// Tests for the option registry, RFC 7252 §5.4.6 class bits, accessors and immutable edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CoapOption, Message } from './message.js';
import {
  OPTION_REGISTRY,
  OptionNumber,
  decodeUint,
  encodeUint,
  getOption,
  getOptions,
  getStringOption,
  getUintOption,
  isCritical,
  isNoCacheKey,
  isUnsafe,
  isValidOptionLength,
  makeOptions,
  optionName,
  setOption,
  uriPath,
  uriQuery,
  withOption,
  withoutOptions,
} from './options.js';

const opt = (number: number, value: string | number[]): CoapOption => ({
  number,
  value: typeof value === 'string' ? Buffer.from(value) : Buffer.from(value),
});
const show = (list: readonly CoapOption[]): string[] => list.map((o) => `${o.number}:${o.value.toString('hex')}`);

test('option numbers and names', () => {
  assert.equal(OptionNumber.URI_PATH, 11);
  assert.equal(OptionNumber.REQUEST_TAG, 292);
  assert.equal(optionName(35), 'Proxy-Uri');
  assert.equal(optionName(258), 'No-Response');
  assert.equal(optionName(2048), 'Option 2048');
  for (const n of Object.values(OptionNumber)) assert.ok(OPTION_REGISTRY.has(n), `registry lacks ${n}`);
});

test('§5.4.6 class bits match the registered options', () => {
  // Critical: If-Match, Uri-Host, If-None-Match, Uri-Port, Uri-Path, Uri-Query, Accept, Block1/2, Proxy-*.
  for (const n of [1, 3, 5, 7, 11, 15, 17, 19, 23, 27, 31, 35, 39]) assert.ok(isCritical(n), `${n}`);
  for (const n of [4, 6, 8, 12, 14, 16, 20, 28, 60, 252, 258, 292]) assert.ok(!isCritical(n), `${n}`);
  // Unsafe (bit 1): Uri-Host, Observe, Uri-Port, Uri-Path, Max-Age, Uri-Query, blocks, Proxy-*, No-Response.
  for (const n of [3, 6, 7, 11, 14, 15, 19, 23, 27, 31, 35, 39, 258]) assert.ok(isUnsafe(n), `${n}`);
  for (const n of [1, 4, 5, 8, 12, 16, 17, 20, 28, 60, 252, 292]) assert.ok(!isUnsafe(n), `${n}`);
  // NoCacheKey: Size1, Size2 and the checklist's 2076.
  for (const n of [28, 60, 2076]) assert.ok(isNoCacheKey(n), `${n}`);
  for (const n of [4, 12, 17, 292, 2048, 65000]) assert.ok(!isNoCacheKey(n), `${n}`);
  assert.deepEqual([2048, 2049, 2050, 2051].map((n) => [isCritical(n), isUnsafe(n)]), [[false, false], [true, false], [false, true], [true, true]]);
});

test('length limits of known options (§5.4.3)', () => {
  assert.ok(!isValidOptionLength(35, 0));
  assert.ok(isValidOptionLength(35, 1034));
  assert.ok(!isValidOptionLength(35, 1035));
  assert.ok(!isValidOptionLength(7, 3));
  assert.ok(!isValidOptionLength(16, 0));
  assert.ok(!isValidOptionLength(16, 2));
  assert.ok(isValidOptionLength(16, 1));
  assert.ok(isValidOptionLength(65000, 5000));
});

test('uint values: minimal encoding, 0 is empty, leading zeros decode', () => {
  assert.equal(encodeUint(0).length, 0);
  assert.deepEqual([...encodeUint(255)], [0xff]);
  assert.deepEqual([...encodeUint(256)], [1, 0]);
  assert.deepEqual([...encodeUint(0xffffffff)], [0xff, 0xff, 0xff, 0xff]);
  assert.equal(decodeUint(Buffer.from([0, 0, 5])), 5);
  assert.equal(decodeUint(Buffer.alloc(0)), 0);
  assert.throws(() => encodeUint(-1), RangeError);
  assert.throws(() => encodeUint(1.5), RangeError);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (n) => {
      const b = encodeUint(n);
      assert.equal(decodeUint(b), n);
      if (b.length > 0) assert.notEqual(b[0], 0);
    }),
  );
});

test('accessors over a message or an option list', () => {
  const options = [opt(11, 'a'), opt(11, 'b/c'), opt(11, '%'), opt(12, [0x28]), opt(14, []), opt(15, 'x=1'), opt(15, 'y')];
  const msg: Message = { type: 0, code: 1, messageId: 1, token: Buffer.alloc(0), options, payload: Buffer.alloc(0) };
  assert.equal(getOption(msg, 11)?.toString(), 'a');
  assert.equal(getOption(options, 99), undefined);
  assert.deepEqual(getOptions(msg, 11).map(String), ['a', 'b/c', '%']);
  assert.equal(getUintOption(msg, 12), 40);
  assert.equal(getUintOption(msg, 14), 0);
  assert.equal(getUintOption(msg, 17), undefined);
  assert.equal(getStringOption(options, 15), 'x=1');
  assert.equal(uriPath(msg), '/a/b%2Fc/%25');
  assert.equal(uriPath([]), '/');
  assert.deepEqual(uriQuery(options), ['x=1', 'y']);
});

test('edits return new sorted arrays and never mutate', () => {
  const original = [opt(11, 'p'), opt(15, 'q1'), opt(15, 'q2')];
  const frozen = Object.freeze([...original]);
  const added = withOption(frozen, 15, 'q3');
  assert.deepEqual(show(added), ['11:70', '15:7131', '15:7132', '15:7133']);
  const withPort = withOption(frozen, 7, 4849);
  assert.deepEqual(show(withPort), ['7:12f1', '11:70', '15:7131', '15:7132']);
  const set = setOption(frozen, 15, 'only');
  assert.deepEqual(show(set), ['11:70', `15:${Buffer.from('only').toString('hex')}`]);
  const removed = withoutOptions(frozen, 11, 15);
  assert.deepEqual(removed, []);
  assert.deepEqual(frozen, original);
  const unsorted = [opt(15, 'q'), opt(3, 'h'), opt(15, 'r')];
  assert.deepEqual(show(withoutOptions(unsorted, 99)), ['3:68', '15:71', '15:72']);
  assert.deepEqual(show(makeOptions([[16, 16], [11, 'x'], [3, Buffer.from('h')]])), ['3:68', '11:78', '16:10']);
});
