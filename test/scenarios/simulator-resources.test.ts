// Scenario: devices on a MemoryNetwork answer an engine client: resources, methods, 5.01/4.05, NON, separate responses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ContentFormat, MessageType, OptionNumber, codeName, getOption, getOptions, getUintOption } from '../../src/coap/index.js';
import { startScenario, text } from './simulator-harness.js';

test('a device answers GET /.well-known/core, /time, /gpio, /nic/info piggybacked (RFC 7252 §5.2.1)', async () => {
  const s = await startScenario();
  const wkc = await s.request(Code.GET, '/.well-known/core');
  assert.equal(wkc.type, MessageType.ACK);
  assert.equal(wkc.code, Code.CONTENT);
  assert.equal(getUintOption(wkc, OptionNumber.CONTENT_FORMAT), ContentFormat.LINK_FORMAT);
  assert.match(text(wkc), /<\/time>;[^,]*obs/);
  const time = await s.request(Code.GET, '/time');
  assert.equal(Number(text(time)), Math.floor(s.clock.wallNow() / 1000));
  assert.match(text(await s.request(Code.GET, '/gpio')), /^0 relay out 0\n/);
  const info = JSON.parse(text(await s.request(Code.GET, '/nic/info')));
  assert.equal(info.name, s.device.identity.name);
  await s.finish();
});

test('unknown resource -> 5.01, wrong method -> 4.05, Uri-Host in any case is accepted', async () => {
  const s = await startScenario();
  const dummy = await s.request(Code.GET, '/dummy');
  assert.equal(codeName(dummy.code), '5.01 Not Implemented');
  assert.equal(getOption(dummy, OptionNumber.CONTENT_FORMAT), undefined);
  assert.equal((await s.request(Code.DELETE, '/gpio')).code, Code.METHOD_NOT_ALLOWED);
  assert.equal((await s.request(Code.POST, '/nic/info')).code, Code.METHOD_NOT_ALLOWED);
  const upper = await s.request(Code.GET, '/time', [[OptionNumber.URI_HOST, s.device.identity.name.toUpperCase()]]);
  assert.equal(upper.code, Code.CONTENT);
  const bad = await s.request(Code.GET, '/time', [[2051, 'x']]);
  assert.equal(bad.code, Code.BAD_OPTION);
  await s.finish();
});

test('all four methods: PUT and POST /gpio set pins, bad body 4.00, PUT /time sets the clock', async () => {
  const s = await startScenario();
  assert.equal((await s.request(Code.PUT, '/gpio', [[OptionNumber.CONTENT_FORMAT, 0]], 'relay=1')).code, Code.CHANGED);
  assert.equal((await s.request(Code.POST, '/gpio', [[OptionNumber.CONTENT_FORMAT, 0]], 'led=on')).code, Code.CHANGED);
  assert.match(text(await s.request(Code.GET, '/gpio')), /0 relay out 1\n1 led out 1\n/);
  const bad = await s.request(Code.PUT, '/gpio', [], 'relay=banana');
  assert.equal(bad.code, Code.BAD_REQUEST);
  assert.match(text(bad), /bad value/);
  assert.equal((await s.request(Code.PUT, '/time', [], '1234567890')).code, Code.CHANGED);
  assert.equal(text(await s.request(Code.GET, '/time')), '1234567890');
  assert.equal((await s.request(Code.DELETE, '/test')).code, Code.DELETED);
  await s.finish();
});

test('a NON request gets a NON response (RFC 7252 §5.2.3)', async () => {
  const s = await startScenario();
  const r = await s.request(Code.GET, '/time', [], '', { type: MessageType.NON });
  assert.equal(r.type, MessageType.NON);
  assert.equal(r.code, Code.CONTENT);
  await s.finish();
});

test('/slow and /separate answer with an empty ACK, then a separate CON response (RFC 7252 §5.2.2)', async () => {
  const s = await startScenario();
  const seen: Array<{ at: number; type: number; code: number }> = [];
  s.network.tap((d) => {
    if (d.from.address === s.device.identity.address) seen.push({ at: s.clock.now(), type: d.data[0]! >> 4 & 3, code: d.data[1]! });
  });
  const start = s.clock.now();
  const r = await s.request(Code.GET, '/slow?delay=3');
  assert.equal(r.type, MessageType.CON);
  assert.equal(text(r), 'answered after 3.0 s');
  assert.deepEqual(
    seen.map((x) => [x.type, x.code]),
    [
      [MessageType.ACK, 0],
      [MessageType.CON, Code.CONTENT],
    ],
  );
  assert.ok(seen[0]!.at - start < 100, 'empty ACK at once');
  assert.equal(seen[1]!.at - start, 3000);
  const sep = await s.request(Code.GET, '/separate');
  assert.equal(text(sep), 'separate response');
  await s.finish();
});

test('plugtest resources: Location-Path, Location-Query, Accept, ETag (TD_COAP_CORE_18-21)', async () => {
  const s = await startScenario();
  const post = await s.request(Code.POST, '/test', [[OptionNumber.CONTENT_FORMAT, 0]], 'x');
  assert.deepEqual(getOptions(post, OptionNumber.LOCATION_PATH).map(String), ['location1', 'location2', 'location3']);
  const lq = await s.request(Code.POST, '/location-query', [], 'x');
  assert.deepEqual(getOptions(lq, OptionNumber.LOCATION_QUERY).map(String), ['first=1', 'second=2']);
  const xml = await s.request(Code.GET, '/multi-format', [[OptionNumber.ACCEPT, 41]]);
  assert.equal(getUintOption(xml, OptionNumber.CONTENT_FORMAT), 41);
  const v = await s.request(Code.GET, '/validate');
  const valid = await s.request(Code.GET, '/validate', [[OptionNumber.ETAG, getOption(v, OptionNumber.ETAG)!]]);
  assert.equal(valid.code, Code.VALID);
  // Devices without the plugtest profile do not have these resources.
  assert.equal((await s.request(Code.GET, '/test', [], '', { device: s.fleet.devices[1]! })).code, Code.NOT_IMPLEMENTED);
  await s.finish();
});
