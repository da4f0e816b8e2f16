// Unit tests: the CBOR decoder against RFC 8949 Appendix A vectors, hostile input, and its renderings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cborDiagnostic, cborToJson, decodeCbor, decodeCborSequence } from './cbor.js';

/** RFC 8949 Appendix A: hex encoding -> diagnostic notation (floats written as we print them). */
const VECTORS: ReadonlyArray<readonly [string, string]> = [
  ['00', '0'],
  ['17', '23'],
  ['1818', '24'],
  ['1864', '100'],
  ['1903e8', '1000'],
  ['1a000f4240', '1000000'],
  ['1b000000e8d4a51000', '1000000000000'],
  ['1bffffffffffffffff', '18446744073709551615'],
  ['3bffffffffffffffff', '-18446744073709551616'],
  ['20', '-1'],
  ['29', '-10'],
  ['3863', '-100'],
  ['3903e7', '-1000'],
  ['f90000', '0.0'],
  ['f93c00', '1.0'],
  ['fb3ff199999999999a', '1.1'],
  ['f93e00', '1.5'],
  ['f97bff', '65504.0'],
  ['fa47c35000', '100000.0'],
  ['fb7e37e43c8800759c', '1e+300'],
  ['f90001', '5.960464477539063e-8'],
  ['f90400', '0.00006103515625'],
  ['f9c400', '-4.0'],
  ['f97c00', 'Infinity'],
  ['f97e00', 'NaN'],
  ['f9fc00', '-Infinity'],
  ['f4', 'false'],
  ['f5', 'true'],
  ['f6', 'null'],
  ['f7', 'undefined'],
  ['f0', 'simple(16)'],
  ['f8ff', 'simple(255)'],
  ['c074323031332d30332d32315432303a30343a30305a', '0("2013-03-21T20:04:00Z")'],
  ['c11a514b67b0', '1(1363896240)'],
  ['d74401020304', "23(h'01020304')"],
  ['40', "h''"],
  ['4401020304', "h'01020304'"],
  ['60', '""'],
  ['6161', '"a"'],
  ['6449455446', '"IETF"'],
  ['62225c', '"\\"\\\\"'],
  ['62c3bc', '"ü"'],
  ['80', '[]'],
  ['83010203', '[1, 2, 3]'],
  ['8301820203820405', '[1, [2, 3], [4, 5]]'],
  ['a0', '{}'],
  ['a201020304', '{1: 2, 3: 4}'],
  ['a26161016162820203', '{"a": 1, "b": [2, 3]}'],
  ['826161a161626163', '["a", {"b": "c"}]'],
  ['5f42010243030405ff', "h'0102030405'"],
  ['7f657374726561646d696e67ff', '"streaming"'],
  ['9fff', '[]'],
  ['9f018202039f0405ffff', '[1, [2, 3], [4, 5]]'],
  ['bf61610161629f0203ffff', '{"a": 1, "b": [2, 3]}'],
  ['bf6346756ef563416d7421ff', '{"Fun": true, "Amt": -2}'],
];

test('RFC 8949 Appendix A vectors decode to their diagnostic notation', () => {
  for (const [hex, diagnostic] of VECTORS) {
    const r = decodeCbor(Buffer.from(hex, 'hex'));
    assert.ok(r.ok, `${hex}: ${r.ok ? '' : r.error}`);
    assert.equal(cborDiagnostic(r.value, ''), diagnostic, hex);
  }
});

test('hostile or malformed input gives an error, never an exception', () => {
  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['18', /truncated/],
    ['1c', /reserved additional information 28/],
    ['5a ffffffff 00'.replace(/ /g, ''), /exceeds/],
    ['9b ffffffffffffffff'.replace(/ /g, ''), /exceeds/],
    ['bb 0000000100000000'.replace(/ /g, ''), /exceeds/],
    ['ff', /unexpected "break"/],
    ['62c328', /not valid UTF-8/],
    ['5f4101 6101 ff'.replace(/ /g, ''), /bad chunk/],
    ['0000', /2 data items/],
    ['fc', /reserved simple/],
    ['81', /exceeds/],
    ['9f01', /truncated/],
    ['81'.repeat(200) + '00', /nesting deeper/],
  ];
  for (const [hex, expected] of bad) {
    const r = decodeCbor(Buffer.from(hex, 'hex'));
    assert.equal(r.ok, false, hex);
    assert.match(r.ok ? '' : r.error, expected, hex);
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const r = decodeCborSequence(Buffer.from(bytes));
      assert.equal(typeof r.ok, 'boolean');
    }),
    { numRuns: 3000 },
  );
});

test('a CBOR sequence (RFC 8742) decodes item by item', () => {
  const r = decodeCborSequence(Buffer.from('01616180', 'hex'));
  assert.ok(r.ok);
  assert.deepEqual(r.value.map((v) => cborDiagnostic(v, '')), ['1', '"a"', '[]']);
  assert.deepEqual(decodeCborSequence(Buffer.alloc(0)), { ok: true, value: [] });
});

test('long items are indented; JSON rendering keeps text keys, hexes bytes and stringifies big integers', () => {
  // {"name": "SSN001350050005E7D6", "readings": [1, 2, ..., 30], "raw": h'cafe'}
  const items = Array.from({ length: 30 }, (_, i) => i + 1);
  const hex = 'a3' + '646e616d65' + '73' + Buffer.from('SSN001350050005E7D6').toString('hex') + '6872656164696e6773' + '981e' +
    items.map((n) => (n < 24 ? n.toString(16).padStart(2, '0') : `18${n.toString(16)}`)).join('') + '63726177' + '42cafe';
  const r = decodeCbor(Buffer.from(hex, 'hex'));
  assert.ok(r.ok, r.ok ? '' : r.error);
  const pretty = cborDiagnostic(r.value);
  assert.match(pretty, /^\{\n {2}"name": "SSN001350050005E7D6",\n {2}"readings": \[\n {4}1,\n/);
  assert.match(pretty, /"raw": h'cafe'\n\}$/);
  assert.deepEqual(cborToJson(r.value), { name: 'SSN001350050005E7D6', readings: items, raw: { bytes: 'cafe' } });
  const big = decodeCbor(Buffer.from('c21bffffffffffffffff', 'hex'));
  assert.ok(big.ok);
  assert.deepEqual(cborToJson(big.value), { tag: 2, value: '18446744073709551615' });
  const mixed = decodeCbor(Buffer.from('a30102f6f7f97e00f5', 'hex'));
  assert.ok(mixed.ok);
  assert.deepEqual(cborToJson(mixed.value), { '1': 2, null: null, NaN: true });
});
