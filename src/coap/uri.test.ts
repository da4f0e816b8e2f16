// Tests for URI decomposition (RFC 7252 §6.4), composition (§6.5) and the Target of proxied requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optionsToUri, targetFromRequest, uriToOptions } from './uri.js';
import type { CoapOption } from './message.js';
import { OptionNumber } from './options.js';

const show = (options: readonly CoapOption[]): string[] => options.map((o) => `${o.number}:${o.value.toString('latin1')}`);
const opt = (number: number, value: string | Buffer): CoapOption => ({ number, value: typeof value === 'string' ? Buffer.from(value) : value });

test('decomposes a name URI: lowercase Uri-Host, no Uri-Port, path and query', () => {
  const r = uriToOptions('coap://SSN001350050005E7D6.starfish.test:4849/time?x=1');
  assert.ok(r.ok);
  assert.equal(r.value.scheme, 'coap');
  assert.equal(r.value.host, 'ssn001350050005e7d6.starfish.test');
  assert.equal(r.value.hostKind, 'name');
  assert.equal(r.value.port, 4849);
  assert.deepEqual(show(r.value.options), ['3:ssn001350050005e7d6.starfish.test', '11:time', '15:x=1']);
});

test('dot segments, percent-decoding once, trailing slash (R40)', () => {
  const r = uriToOptions('coap://Dev.Example:4849/a%2Fb/../c/?x=1%262');
  assert.ok(r.ok);
  assert.deepEqual(show(r.value.options), ['3:dev.example', '11:c', '11:', '15:x=1&2']);
  const slash = uriToOptions('coap://h/a%2Fb');
  assert.ok(slash.ok);
  assert.deepEqual(show(slash.value.options), ['3:h', '11:a/b']);
});

test('empty path and "/" give no Uri-Path; default ports per scheme', () => {
  for (const uri of ['coap://h', 'coap://h/', 'coap://h:/']) {
    const r = uriToOptions(uri);
    assert.ok(r.ok, uri);
    assert.deepEqual(show(r.value.options), ['3:h']);
    assert.equal(r.value.port, 5683);
  }
  const s = uriToOptions('COAPS://h');
  assert.ok(s.ok);
  assert.equal(s.value.scheme, 'coaps');
  assert.equal(s.value.port, 5684);
});

test('IP literals get no Uri-Host (§6.4 step 5)', () => {
  const v4 = uriToOptions('coap://127.0.0.9:5683/x');
  assert.ok(v4.ok);
  assert.equal(v4.value.hostKind, 'ipv4');
  assert.deepEqual(show(v4.value.options), ['11:x']);
  const v6 = uriToOptions('coap://[FE80::1]:61616/');
  assert.ok(v6.ok);
  assert.equal(v6.value.host, 'fe80::1');
  assert.equal(v6.value.hostKind, 'ipv6');
  assert.equal(v6.value.port, 61616);
  assert.deepEqual(v6.value.options, []);
});

test('Uri-Port only when the destination port differs (§6.4 step 7)', () => {
  const r = uriToOptions('coap://h:4849/x', 5683);
  assert.ok(r.ok);
  assert.deepEqual(r.value.options.map((o) => o.number), [3, 7, 11]);
  assert.deepEqual([...(r.value.options[1]?.value ?? [])], [0x12, 0xf1]);
});

test('fails on relative URIs, fragments, empty hosts, bad schemes, ports and encodings', () => {
  for (const bad of [
    '/x', 'x/y', 'coap:x', 'coap:///x', 'coap://h/x#frag', 'http://h/x', 'coap://h:99999/', 'coap://h:0/',
    'coap://h:8a/', 'coap://h/%zz', 'coap://h/%4', 'coap://h/a b', 'coap://u@h/', 'coap://[::1/', 'coap://[zz]/',
    'coap://h/é', `coap://h/${'a'.repeat(256)}`, 'coap://h/?q=%G0',
  ]) {
    const r = uriToOptions(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.ok(r.error.length > 0);
  }
});

test('composes URIs in normal form (§6.5)', () => {
  const r = optionsToUri(
    [opt(3, 'example.com'), opt(7, Buffer.from([0x16, 0x33])), opt(11, '~sensors'), opt(11, 'temp.xml'), opt(11, 'a/b c'), opt(15, 'x=1&2'), opt(15, 'y?/')],
  );
  assert.ok(r.ok);
  assert.equal(r.value, 'coap://example.com/~sensors/temp.xml/a%2Fb%20c?x=1%262&y?/');
  const ip = optionsToUri([], { host: '::1', port: 4849 });
  assert.ok(ip.ok);
  assert.equal(ip.value, 'coap://[::1]:4849/');
  const utf = optionsToUri([opt(11, 'é')], { host: '10.0.0.1', scheme: 'coaps', port: 5684 });
  assert.ok(utf.ok);
  assert.equal(utf.value, 'coaps://10.0.0.1/%C3%A9');
  assert.equal(optionsToUri([]).ok, false);
  assert.equal(optionsToUri([opt(3, 'bad host')]).ok, false);
});

test('decompose(compose(options)) gives back the same Uri-Path and Uri-Query bytes', () => {
  const options = [opt(3, 'h.example'), opt(11, 'a%b'), opt(11, ''), opt(11, Buffer.from([0xff, 0x00])), opt(15, 'k=v&w'), opt(15, '')];
  const uri = optionsToUri(options);
  assert.ok(uri.ok);
  const back = uriToOptions(uri.value);
  assert.ok(back.ok);
  assert.deepEqual(back.value.options, options);
});

test('targetFromRequest: Proxy-Uri wins over Uri-* options and yields the upstream options', () => {
  const r = targetFromRequest([opt(3, 'ignored'), opt(OptionNumber.PROXY_URI, 'coap://SSN00AA.mesh.test:4849/gpio/1?on'), opt(16, Buffer.from([16]))]);
  assert.ok(r.ok);
  assert.equal(r.value.host, 'ssn00aa.mesh.test');
  assert.equal(r.value.port, 4849);
  assert.equal(r.value.uri, 'coap://ssn00aa.mesh.test:4849/gpio/1?on');
  assert.deepEqual(show(r.value.options), ['3:ssn00aa.mesh.test', '11:gpio', '11:1', '15:on']);
});

test('targetFromRequest: other schemes decompose, so the caller can answer 5.05', () => {
  const r = targetFromRequest([opt(OptionNumber.PROXY_URI, 'http://x/y')]);
  assert.ok(r.ok);
  assert.equal(r.value.scheme, 'http');
  assert.equal(r.value.port, 80);
});

test('targetFromRequest: Proxy-Scheme with Uri-* options keeps path and query bytes', () => {
  const path = opt(11, Buffer.from('..'));
  const r = targetFromRequest([opt(3, 'Dev.Mesh'), opt(7, Buffer.from([0x12, 0xf1])), path, opt(15, 'a=b'), opt(39, 'coap')]);
  assert.ok(r.ok);
  assert.equal(r.value.host, 'dev.mesh');
  assert.equal(r.value.port, 4849);
  assert.equal(r.value.uri, 'coap://dev.mesh:4849/..?a=b');
  assert.deepEqual(show(r.value.options), ['3:dev.mesh', '11:..', '15:a=b']);
  assert.equal(r.value.options[1], path);
  const ip = targetFromRequest([opt(3, '127.0.0.5'), opt(39, 'coap')]);
  assert.ok(ip.ok);
  assert.equal(ip.value.hostKind, 'ipv4');
  assert.deepEqual(ip.value.options, []);
  const fallback = targetFromRequest([opt(39, 'coap')], { host: '::1', port: 6000 });
  assert.ok(fallback.ok);
  assert.equal(fallback.value.uri, 'coap://[::1]:6000/');
});

test('targetFromRequest: malformed requests are errors', () => {
  const cases: CoapOption[][] = [
    [],
    [opt(35, 'coap://a/'), opt(35, 'coap://b/')],
    [opt(35, '')],
    [opt(35, 'x'.repeat(1035))],
    [opt(35, 'coap:///x')],
    [opt(35, 'coap://h/x#f')],
    [opt(35, '/relative')],
    [opt(39, 'coap')],
    [opt(39, 'co ap'), opt(3, 'h')],
    [opt(3, 'h'), opt(3, 'i'), opt(39, 'coap')],
    [opt(3, 'h'), opt(7, Buffer.alloc(0)), opt(39, 'coap')],
  ];
  for (const options of cases) {
    const r = targetFromRequest(options);
    assert.equal(r.ok, false, show(options).join(' '));
  }
});
