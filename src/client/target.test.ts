// Unit tests: target parsing (device names, URIs, gateway paths) and gateway addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OptionNumber, getOption, getOptions, decodeUint } from '../coap/index.js';
import { discoveryTarget, formatAddress, parseGatewayAddress, parseTarget } from './target.js';

const proxyUri = (text: string): string | undefined => {
  const t = parseTarget(text);
  assert.ok(t.ok, t.ok ? '' : t.error);
  return getOption(t.value.options, OptionNumber.PROXY_URI)?.toString('utf8');
};

test('a device name gets scheme coap and the default port; the Proxy-Uri is the normalized URI', () => {
  const t = parseTarget('SSN001350050005E7D6.starfish.test/time');
  assert.ok(t.ok);
  assert.equal(t.value.kind, 'device');
  assert.equal(t.value.host, 'ssn001350050005e7d6.starfish.test');
  assert.equal(t.value.port, 5683);
  assert.equal(t.value.uri, 'coap://ssn001350050005e7d6.starfish.test/time');
  assert.deepEqual(t.value.options.map((o) => o.number), [OptionNumber.PROXY_URI]);
  assert.equal(proxyUri('SSN001350050005E7D6.starfish.test/time'), 'coap://ssn001350050005e7d6.starfish.test/time');
});

test('full URIs keep a non-default port (milliNIC 4849), the query and percent-encoding; 5683 is dropped', () => {
  assert.equal(proxyUri('coap://SSN0013500500000001.starfish.test:4849/.well-known/core?rt=core.gpio'), 'coap://ssn0013500500000001.starfish.test:4849/.well-known/core?rt=core.gpio');
  assert.equal(proxyUri('coap://SSN001350050005E7D6.starfish.test:5683/gpio'), 'coap://ssn001350050005e7d6.starfish.test/gpio');
  assert.equal(proxyUri('coap://dev.test/a%20b/./c/../d'), 'coap://dev.test/a%20b/d');
  assert.equal(proxyUri('SSN001350050005E7D6.starfish.test'), 'coap://ssn001350050005e7d6.starfish.test/');
  assert.equal(proxyUri('coap://[::1]:5684/x'), 'coap://[::1]:5684/x');
  assert.equal(proxyUri('[::1]/x'), 'coap://[::1]/x');
  assert.equal(proxyUri('127.0.0.1:5690/x?a=1&b'), 'coap://127.0.0.1:5690/x?a=1&b');
});

test('a path starting with "/" addresses the gateway itself with Uri-Path/Uri-Query, no Proxy-Uri', () => {
  const t = parseTarget('/help');
  assert.ok(t.ok);
  assert.equal(t.value.kind, 'gateway');
  assert.deepEqual(getOptions(t.value.options, OptionNumber.URI_PATH).map(String), ['help']);
  const q = parseTarget('/.well-known/core?rt=core.sessions');
  assert.ok(q.ok);
  assert.deepEqual(getOptions(q.value.options, OptionNumber.URI_PATH).map(String), ['.well-known', 'core']);
  assert.deepEqual(getOptions(q.value.options, OptionNumber.URI_QUERY).map(String), ['rt=core.sessions']);
  assert.equal(getOption(q.value.options, OptionNumber.PROXY_URI), undefined);
});

test('bad targets are refused with a sentence that says what to type instead', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /no target given/],
    ['   ', /no target given/],
    ['http://dev.test/x', /scheme "http" is not supported/],
    ['coaps://dev.test/x', /scheme "coaps" is not supported/],
    ['coap:// SSN001350050005E7D6.starfish.test/time', /contains a space/],
    ['coap://dev.test/x#frag', /bad URI.*fragment/],
    ['coap://dev.test:99999/x', /bad URI/],
    ['coap://user@dev.test/x', /userinfo/],
    ['coap:/dev.test/x', /not a target/],
    ['mailto:someone', /not a target/],
    ['coap://dev.test/%zz', /bad URI/],
  ];
  for (const [input, expected] of cases) {
    const t = parseTarget(input);
    assert.equal(t.ok, false, input);
    assert.match(t.ok ? '' : t.error, expected, input);
  }
});

test('a target longer than Proxy-Uri allows (1034 bytes) goes as Proxy-Scheme + Uri-* (RFC 7252 §5.10.2)', () => {
  const long = `coap://dev.test:4849/${Array.from({ length: 12 }, () => 'a'.repeat(100)).join('/')}?q=1`;
  const t = parseTarget(long);
  assert.ok(t.ok);
  assert.equal(getOption(t.value.options, OptionNumber.PROXY_URI), undefined);
  assert.equal(getOption(t.value.options, OptionNumber.PROXY_SCHEME)?.toString(), 'coap');
  assert.equal(getOption(t.value.options, OptionNumber.URI_HOST)?.toString(), 'dev.test');
  assert.equal(decodeUint(getOption(t.value.options, OptionNumber.URI_PORT) ?? Buffer.alloc(0)), 4849);
  assert.equal(getOptions(t.value.options, OptionNumber.URI_PATH).length, 12);
  assert.deepEqual(getOptions(t.value.options, OptionNumber.URI_QUERY).map(String), ['q=1']);
  const numbers = t.value.options.map((o) => o.number);
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'options sorted');
  const literal = parseTarget(`coap://127.0.0.5/${'b'.repeat(250)}/${'c'.repeat(250)}/${'d'.repeat(250)}/${'e'.repeat(250)}/${'f'.repeat(100)}`);
  assert.ok(literal.ok);
  assert.equal(getOption(literal.value.options, OptionNumber.URI_HOST)?.toString(), '127.0.0.5', 'an IP literal still needs Uri-Host at a proxy');
});

test('discoveryTarget swaps any path for /.well-known/core and adds filters', () => {
  const d = discoveryTarget('SSN001350050005E7D6.starfish.test/time', ['rt=core.gpio']);
  assert.ok(d.ok);
  assert.equal(d.value.uri, 'coap://ssn001350050005e7d6.starfish.test/.well-known/core?rt=core.gpio');
  const m = discoveryTarget('coap://SSN0013500500000001.starfish.test:4849');
  assert.ok(m.ok);
  assert.equal(m.value.uri, 'coap://ssn0013500500000001.starfish.test:4849/.well-known/core');
  const g = discoveryTarget('/');
  assert.ok(g.ok);
  assert.equal(g.value.kind, 'gateway');
  assert.equal(discoveryTarget('http://x').ok, false);
});

test('gateway addresses: host, host:port, [v6]:port, bare v6, coap:// prefix; bad ports refused', () => {
  assert.deepEqual(parseGatewayAddress('127.0.0.1:5690'), { ok: true, value: { host: '127.0.0.1', port: 5690 } });
  assert.deepEqual(parseGatewayAddress('gatewayhost'), { ok: true, value: { host: 'gatewayhost', port: 5683 } });
  assert.deepEqual(parseGatewayAddress('[::1]:6000'), { ok: true, value: { host: '::1', port: 6000 } });
  assert.deepEqual(parseGatewayAddress('::1'), { ok: true, value: { host: '::1', port: 5683 } });
  assert.deepEqual(parseGatewayAddress('coap://gw.example:5683/'), { ok: true, value: { host: 'gw.example', port: 5683 } });
  for (const bad of ['', ':5683', 'host:0', 'host:70000', 'host:abc', '[::1', '[::1]x', 'a b:1', 'host/path:1']) {
    assert.equal(parseGatewayAddress(bad).ok, false, bad);
  }
  assert.equal(formatAddress({ host: '::1', port: 5683 }), '[::1]:5683');
  assert.equal(formatAddress({ host: '127.0.0.1', port: 1 }), '127.0.0.1:1');
});
