// Unit tests: device host names (SSN<MAC>.<domain>) and host-name syntax.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDeviceName, formatMac, normalizeDomain, parseDeviceName, parseMac, sameHostName } from './device-name.js';
import { normalizeHostName, parseIpLiteral } from './host-name.js';

const DOMAINS = ['starfish.test'];

test('formatDeviceName builds the seed example from a bigint or a string', () => {
  assert.equal(formatDeviceName(0x001350050005e7d6n, 'starfish.test'), 'SSN001350050005E7D6.starfish.test');
  assert.equal(formatDeviceName('00:13:50:05:00:05:e7:d6', 'Starfish.Test.'), 'SSN001350050005E7D6.starfish.test');
  assert.equal(formatDeviceName('001350050005e7d6', 'starfish.test'), 'SSN001350050005E7D6.starfish.test');
  assert.equal(formatDeviceName(1n, 'mesh'), 'SSN0000000000000001.mesh');
});

test('formatDeviceName refuses MACs and domains that cannot make a device name', () => {
  assert.throws(() => formatDeviceName(-1n, 'starfish.test'), RangeError);
  assert.throws(() => formatDeviceName(1n << 64n, 'starfish.test'), RangeError);
  assert.throws(() => formatDeviceName('0013500500', 'starfish.test'), /10 hex digits/);
  assert.throws(() => formatDeviceName(1n, 'bad domain'), /invalid domain/);
  assert.throws(() => formatMac(-5n), RangeError);
});

test('parseMac accepts grouped and plain forms, refuses mixed separators and wrong lengths', () => {
  assert.deepEqual(parseMac('00-13-50-05-00-05-E7-D6'), { ok: true, value: 0x001350050005e7d6n });
  assert.equal(parseMac('00:13-50:05:00:05:E7:D6').ok, false);
  const short = parseMac('001350050005');
  assert.equal(short.ok, false);
  assert.match(short.ok ? '' : short.error, /12 hex digits; an EUI-64 has 16/);
  assert.equal(parseMac('00135005000zE7D6').ok, false);
});

test('parseDeviceName accepts any letter case and a trailing dot, and gives the canonical name', () => {
  for (const host of [
    'SSN001350050005E7D6.starfish.test',
    'ssn001350050005e7d6.STARFISH.TEST',
    'SSN001350050005E7D6.starfish.test.',
  ]) {
    const r = parseDeviceName(host, DOMAINS);
    assert.ok(r.ok, host);
    assert.equal(r.value.name, 'SSN001350050005E7D6.starfish.test');
    assert.equal(r.value.macHex, '001350050005E7D6');
    assert.equal(r.value.mac, 0x001350050005e7d6n);
    assert.equal(r.value.domain, 'starfish.test');
  }
});

test('parseDeviceName says why a name is refused', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['', 'syntax', /empty/],
    ['SSN001350050005E7D6.other.test', 'domain', /not in a device domain; the device domains are starfish.test/],
    ['starfish.test', 'domain', /not in a device domain/],
    ['x.SSN001350050005E7D6.starfish.test', 'syntax', /more than one label/],
    ['NIC001350050005E7D6.starfish.test', 'prefix', /does not start with "SSN"/],
    ['SSN000000000000.starfish.test', 'mac', /exactly 16 hex digits/],
    ['SSN001350050005E7D6FF.starfish.test', 'mac', /exactly 16 hex digits/],
    ['SSN00135005000GE7D6.starfish.test', 'mac', /exactly 16 hex digits/],
    ['SSN0013..starfish.test', 'syntax', /empty label/],
    ['SSN\u212A01350050005E7D6.starfish.test', 'syntax', /may hold only/],
    ['SSN001350050005E7D6.starfish.test\u0000', 'syntax', /\\x00/],
  ];
  for (const [host, kind, message] of cases) {
    const r = parseDeviceName(host, DOMAINS);
    assert.equal(r.ok, false, host);
    if (!r.ok) {
      assert.equal(r.error.kind, kind, host);
      assert.match(r.error.message, message, host);
    }
  }
  const none = parseDeviceName('SSN001350050005E7D6.starfish.test', []);
  assert.match(none.ok ? '' : none.error.message, /no device domains are configured/);
});

test('parseDeviceName picks the longest matching domain and normalizes configured ones', () => {
  const r = parseDeviceName('SSN001350050005E7D6.east.starfish.test', ['starfish.test', 'East.Starfish.Test.']);
  assert.ok(r.ok);
  assert.equal(r.value.domain, 'east.starfish.test');
});

test('format and parse are inverse for every 64-bit MAC (property)', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (mac) => {
      const name = formatDeviceName(mac, 'starfish.test');
      const r = parseDeviceName(name.toLowerCase(), DOMAINS);
      return r.ok && r.value.mac === mac && r.value.name === name;
    }),
  );
});

test('parseDeviceName never throws on arbitrary text (property)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      const r = parseDeviceName(s, DOMAINS);
      return r.ok || r.error.message.length > 0;
    }),
  );
});

test('host-name rules: lengths, labels, case, IP literals', () => {
  assert.deepEqual(normalizeHostName('A.B.'), { ok: true, value: 'a.b' });
  assert.equal(normalizeHostName(`${'a'.repeat(64)}.test`).ok, false);
  assert.equal(normalizeHostName(`${'a.'.repeat(127)}ab`).ok, false);
  assert.equal(normalizeHostName('-a.test').ok, false);
  assert.equal(normalizeHostName('.').ok, false);
  assert.deepEqual(normalizeDomain('Starfish.Test'), { ok: true, value: 'starfish.test' });
  assert.deepEqual(parseIpLiteral('[::1]'), { address: '::1', family: 6 });
  assert.deepEqual(parseIpLiteral('127.0.0.9'), { address: '127.0.0.9', family: 4 });
  assert.equal(parseIpLiteral('SSN1.starfish.test'), undefined);
  assert.equal(sameHostName('SSN00AB.Starfish.test.', 'ssn00ab.starfish.TEST'), true);
  assert.equal(sameHostName('\u212A.test', 'k.test'), false);
  assert.equal(sameHostName('a.test', 'b.test'), false);
});
