import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Code,
  MessageType,
  OptionNumber,
  getOptions,
  getStringOption,
  getUintOption,
  makeOptions,
  targetFromRequest,
  type CoapOption,
  type Message,
} from '../coap/index.js';
import { isProxyRequest, localizeRequest, tagBlockwiseUpload, toClient, toUpstream } from './translate.js';

function request(options: CoapOption[], type: 0 | 1 = MessageType.CON, code: number = Code.GET): Message {
  return { type, code, messageId: 7, token: Buffer.from('cafe'), options, payload: Buffer.from('body') };
}

function target(options: readonly CoapOption[]) {
  const t = targetFromRequest(options);
  assert.ok(t.ok, JSON.stringify(t));
  return t.value;
}

test('Proxy-Uri becomes lowercase Uri-Host, Uri-Path, Uri-Query; no Uri-Port (RFC 7252 §6.4, R37/R39)', () => {
  const opts = makeOptions([
    [OptionNumber.PROXY_URI, 'coap://SSN001350050005E7D6.Starfish.Test:4849/time?x=1'],
    [OptionNumber.HOP_LIMIT, 16],
  ]);
  const req = request(opts);
  const up = toUpstream(req, target(opts), 15);
  assert.equal(getStringOption(up.options, OptionNumber.URI_HOST), 'ssn001350050005e7d6.starfish.test');
  assert.equal(getOptions(up.options, OptionNumber.URI_PORT).length, 0);
  assert.deepEqual(getOptions(up.options, OptionNumber.URI_PATH).map(String), ['time']);
  assert.deepEqual(getOptions(up.options, OptionNumber.URI_QUERY).map(String), ['x=1']);
  assert.equal(getOptions(up.options, OptionNumber.PROXY_URI).length, 0);
  assert.equal(getUintOption(up.options, OptionNumber.HOP_LIMIT), 15);
  assert.equal(up.type, MessageType.CON);
  assert.equal(up.code, Code.GET);
  assert.equal(up.payload.toString(), 'body');
});

test('every other option is kept byte-exact and in order, unknown ones too (R29)', () => {
  const opts = makeOptions([
    [OptionNumber.IF_MATCH, Buffer.from([1, 2])],
    [OptionNumber.ETAG, Buffer.from([9])],
    [OptionNumber.CONTENT_FORMAT, 0],
    [OptionNumber.PROXY_URI, 'coap://h.test/a/b'],
    [2048, 'a'],
    [2049, 'b'],
    [2048, 'second'],
    [65000, Buffer.from([1, 2])],
  ]);
  const up = toUpstream(request(opts), target(opts), 16);
  const summary = up.options.map((o) => `${o.number}=${o.value.toString('hex')}`);
  assert.deepEqual(summary, [
    '1=0102',
    '3=' + Buffer.from('h.test').toString('hex'),
    '4=09',
    '11=' + Buffer.from('a').toString('hex'),
    '11=' + Buffer.from('b').toString('hex'),
    '12=',
    '16=10',
    '2048=' + Buffer.from('a').toString('hex'),
    '2048=' + Buffer.from('second').toString('hex'),
    '2049=' + Buffer.from('b').toString('hex'),
    '65000=0102',
  ]);
  // the values are the very same bytes (no re-encoding)
  assert.equal(up.options.find((o) => o.number === 65000)?.value, opts.find((o) => o.number === 65000)?.value);
});

test('Proxy-Uri takes precedence over the client Uri-* options (RFC 7252 §5.10.2, R44)', () => {
  const opts = makeOptions([
    [OptionNumber.URI_PATH, 'bogus'],
    [OptionNumber.PROXY_URI, 'coap://h.test/real'],
  ]);
  const up = toUpstream(request(opts), target(opts), 16);
  assert.deepEqual(getOptions(up.options, OptionNumber.URI_PATH).map(String), ['real']);
});

test('Proxy-Scheme form keeps Uri-Path/Uri-Query byte-exact and drops Proxy-Scheme (R43)', () => {
  const opts = makeOptions([
    [OptionNumber.URI_HOST, 'Dev.Example'],
    [OptionNumber.URI_PORT, 4849],
    [OptionNumber.URI_PATH, 'a/b'],
    [OptionNumber.URI_QUERY, 'k=v'],
    [OptionNumber.PROXY_SCHEME, 'coap'],
  ]);
  const t = target(opts);
  assert.equal(t.port, 4849);
  const up = toUpstream(request(opts), t, 16);
  assert.equal(getStringOption(up.options, OptionNumber.URI_HOST), 'dev.example');
  assert.deepEqual(getOptions(up.options, OptionNumber.URI_PATH).map(String), ['a/b']);
  assert.deepEqual(getOptions(up.options, OptionNumber.URI_QUERY).map(String), ['k=v']);
  assert.equal(getOptions(up.options, OptionNumber.PROXY_SCHEME).length, 0);
  assert.equal(getOptions(up.options, OptionNumber.URI_PORT).length, 0);
});

test('IP-literal targets get no Uri-Host (RFC 7252 §6.4 step 5, R38)', () => {
  const opts = makeOptions([[OptionNumber.PROXY_URI, 'coap://[::1]:5683/x']]);
  const up = toUpstream(request(opts), target(opts), 16);
  assert.equal(getOptions(up.options, OptionNumber.URI_HOST).length, 0);
});

test('NON stays NON; FETCH/PATCH/iPATCH codes pass unchanged (R10, R26)', () => {
  const opts = makeOptions([[OptionNumber.PROXY_URI, 'coap://h.test/r']]);
  for (const code of [Code.FETCH, Code.PATCH, Code.IPATCH, Code.DELETE]) {
    const up = toUpstream(request(opts, MessageType.NON, code), target(opts), 16);
    assert.equal(up.type, MessageType.NON);
    assert.equal(up.code, code);
  }
});

test('responses are relayed with every option except the hop-by-hop Observe', () => {
  const options = makeOptions([
    [OptionNumber.ETAG, Buffer.from([1])],
    [OptionNumber.OBSERVE, 5],
    [OptionNumber.LOCATION_PATH, 'location1'],
    [OptionNumber.LOCATION_PATH, 'location2'],
    [OptionNumber.CONTENT_FORMAT, 40],
    [2050, 'x'],
  ]);
  const device: Message = { type: MessageType.ACK, code: Code.NOT_IMPLEMENTED, messageId: 1, token: Buffer.from([1]), options, payload: Buffer.from('p') };
  const r = toClient(device);
  assert.equal(r.code, Code.NOT_IMPLEMENTED);
  assert.deepEqual(
    r.options.map((o) => o.number),
    [4, 8, 8, 12, 2050],
  );
  assert.equal(r.payload.toString(), 'p');
});

test('isProxyRequest and localizeRequest (R45)', () => {
  const opts = makeOptions([
    [OptionNumber.PROXY_URI, 'coap://localhost:5683/help?x=1'],
    [OptionNumber.HOP_LIMIT, 16],
  ]);
  const req = request(opts);
  assert.equal(isProxyRequest(req), true);
  assert.equal(isProxyRequest(request(makeOptions([[OptionNumber.URI_PATH, 'help']]))), false);
  const local = localizeRequest(req, target(opts));
  assert.equal(isProxyRequest(local), false);
  assert.deepEqual(getOptions(local.options, OptionNumber.URI_PATH).map(String), ['help']);
  assert.deepEqual(getOptions(local.options, OptionNumber.URI_QUERY).map(String), ['x=1']);
});

test('Block1 uploads get a Request-Tag per client and operation; other requests are untouched (RFC 9175 §3.3)', () => {
  const opts = makeOptions([[OptionNumber.PROXY_URI, 'coap://h.test/r'], [OptionNumber.BLOCK1, Buffer.from([0x0a])]]);
  const up = toUpstream(request(opts, MessageType.CON, Code.PUT), target(opts), 16);
  const a = tagBlockwiseUpload(up, '10.0.0.1:1000');
  const a2 = tagBlockwiseUpload(up, '10.0.0.1:1000');
  const b = tagBlockwiseUpload(up, '10.0.0.2:1000');
  const tagOf = (r: typeof up) => getOptions(r.options, OptionNumber.REQUEST_TAG).map((v) => v.toString('hex'));
  assert.equal(tagOf(a).length, 1);
  assert.deepEqual(tagOf(a), tagOf(a2));
  assert.notDeepEqual(tagOf(a), tagOf(b));
  // the client's own tag distinguishes its operations
  const withTag = { ...up, options: makeOptions([...up.options.map((o) => [o.number, o.value] as const), [OptionNumber.REQUEST_TAG, Buffer.from([7])]]) };
  assert.notDeepEqual(tagOf(tagBlockwiseUpload(withTag, '10.0.0.1:1000')), tagOf(a));
  const plain = toUpstream(request(makeOptions([[OptionNumber.PROXY_URI, 'coap://h.test/r']])), target(makeOptions([[OptionNumber.PROXY_URI, 'coap://h.test/r']])), 16);
  assert.equal(tagBlockwiseUpload(plain, 'x'), plain);
});
