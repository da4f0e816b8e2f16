// Unit tests: the meter NIC resources /time, /gpio, /nic/info, /meter/register run without a network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../base/index.js';
import { Code, ContentFormat, OptionNumber, getUintOption, type Message } from '../../coap/index.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { createIdentities } from '../device-identity.js';
import { NIC_TABLE } from '../device-profiles.js';
import { dispatch } from './dispatch.js';
import { parsePinChanges } from './gpio-resource.js';
import { isDeferred, type ResourceResponse } from './resource.js';
import { createStandaloneContext, requestMessage } from './standalone-context.js';

const CLIENT = { address: '127.0.0.1', port: 40000 };

function device() {
  const clock = new FakeClock(Date.UTC(2026, 10, 25, 12, 0, 0));
  const [identity] = createIdentities({ count: 1, domain: 'mesh.test', random: seededRandom(1) });
  const ctx = createStandaloneContext({ identity: identity!, table: NIC_TABLE, clock, random: seededRandom(2) });
  const run = (m: Message): ResourceResponse => {
    const { outcome } = dispatch(m, CLIENT, ctx, NIC_TABLE);
    return isDeferred(outcome) ? outcome.produce() : outcome;
  };
  return { clock, ctx, run };
}

const text = (r: ResourceResponse) => (r.payload ?? Buffer.alloc(0)).toString('utf8');
const format = (r: ResourceResponse) => getUintOption(r.options ?? [], OptionNumber.CONTENT_FORMAT);

test('/time: text seconds since the epoch, JSON on Accept 50, 4.06 otherwise', () => {
  const d = device();
  const r = d.run(requestMessage(Code.GET, '/time'));
  assert.equal(r.code, Code.CONTENT);
  assert.equal(format(r), ContentFormat.TEXT_PLAIN);
  assert.equal(text(r), String(Date.UTC(2026, 10, 25, 12, 0, 0) / 1000));
  assert.equal(getUintOption(r.options ?? [], OptionNumber.MAX_AGE), 5);
  const j = d.run(requestMessage(Code.GET, '/time', [[OptionNumber.ACCEPT, ContentFormat.JSON]]));
  assert.equal(format(j), ContentFormat.JSON);
  assert.equal(JSON.parse(text(j)).iso, '2026-11-25T12:00:00.000Z');
  assert.equal(d.run(requestMessage(Code.GET, '/time', [[OptionNumber.ACCEPT, ContentFormat.XML]])).code, Code.NOT_ACCEPTABLE);
  d.clock.advance(61_000);
  assert.equal(text(d.run(requestMessage(Code.GET, '/time'))), String(Date.UTC(2026, 10, 25, 12, 1, 1) / 1000));
});

test('/time: PUT sets the device clock offset and tells observers; bad bodies get 4.00', () => {
  const d = device();
  const put = d.run(requestMessage(Code.PUT, '/time', [[OptionNumber.CONTENT_FORMAT, 0]], '1000000000'));
  assert.equal(put.code, Code.CHANGED);
  assert.deepEqual(d.ctx.changes, ['/time']);
  assert.equal(text(d.run(requestMessage(Code.GET, '/time'))), '1000000000');
  d.clock.advance(2000);
  assert.equal(text(d.run(requestMessage(Code.GET, '/time'))), '1000000002');
  assert.equal(d.run(requestMessage(Code.PUT, '/time', [[OptionNumber.CONTENT_FORMAT, 50]], '{"epoch": 2000000000}')).code, Code.CHANGED);
  assert.equal(text(d.run(requestMessage(Code.GET, '/time'))), '2000000000');
  for (const bad of ['', 'yesterday', '-5', '{"epoch":"x"}']) {
    const r = d.run(requestMessage(Code.PUT, '/time', [], bad));
    assert.equal(r.code, Code.BAD_REQUEST, bad);
    assert.equal(format(r), undefined, 'diagnostic payloads carry no Content-Format (RFC 7252 §5.5.2)');
  }
  assert.equal(d.run(requestMessage(Code.PUT, '/time', [[OptionNumber.CONTENT_FORMAT, 42]], '1')).code, Code.UNSUPPORTED_CONTENT_FORMAT);
});

test('/gpio: GET describes the pins in text or JSON', () => {
  const d = device();
  const r = d.run(requestMessage(Code.GET, '/gpio'));
  assert.equal(text(r), '0 relay out 0\n1 led out 0\n2 aux out 0\n3 tamper in 0\n4 door in 0\n');
  const j = JSON.parse(text(d.run(requestMessage(Code.GET, '/gpio', [[OptionNumber.ACCEPT, 50]]))));
  assert.deepEqual(j.pins[3], { id: 3, name: 'tamper', direction: 'in', value: 0 });
});

test('/gpio: PUT and POST set output pins by number or name; bad bodies get 4.00 and change nothing', () => {
  const d = device();
  assert.equal(d.run(requestMessage(Code.PUT, '/gpio', [], 'relay=1&1=on')).code, Code.CHANGED);
  assert.equal(d.ctx.state.pin(0), 1);
  assert.equal(d.ctx.state.pin(1), 1);
  assert.deepEqual(d.ctx.changes, ['/gpio']);
  assert.equal(d.run(requestMessage(Code.POST, '/gpio', [[OptionNumber.CONTENT_FORMAT, 50]], '{"relay": false, "aux": 1}')).code, Code.CHANGED);
  assert.equal(d.ctx.state.pin(0), 0);
  assert.equal(d.ctx.state.pin(2), 1);
  const before = d.ctx.state.pins;
  for (const bad of ['', 'relay', 'relay=2', 'nosuch=1', 'tamper=1', 'led=1,relay=maybe']) {
    const r = d.run(requestMessage(Code.PUT, '/gpio', [], bad));
    assert.equal(r.code, Code.BAD_REQUEST, bad);
    assert.ok(text(r).length > 0, 'a diagnostic says why');
  }
  assert.equal(d.run(requestMessage(Code.PUT, '/gpio', [[OptionNumber.CONTENT_FORMAT, 50]], '[1]')).code, Code.BAD_REQUEST);
  assert.equal(d.ctx.state.pins, before);
  assert.equal(d.ctx.changes.length, 2);
  const parsed = parsePinChanges('led = off\nrelay=TRUE', 0);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.changes.map(([p, v]) => [p.name, v]), [['led', 0], ['relay', 1]]);
});

test('/nic/info: MAC, name, firmware and uptime', () => {
  const d = device();
  d.clock.advance(90_500);
  const info = JSON.parse(text(d.run(requestMessage(Code.GET, '/nic/info'))));
  assert.equal(info.mac, d.ctx.identity.mac);
  assert.equal(info.name, d.ctx.identity.name);
  assert.equal(info.kind, 'nic');
  assert.equal(info.firmware, '5.8.1');
  assert.equal(info.uptimeS, 90);
  assert.match(text(d.run(requestMessage(Code.GET, '/nic/info', [[OptionNumber.ACCEPT, 0]]))), /^mac: 00135005/);
});

test('/meter/register grows with the clock at the device load', () => {
  const d = device();
  const read = () => Number(text(d.run(requestMessage(Code.GET, '/meter/register'))).split(' ')[0]);
  const a = read();
  d.clock.advance(3_600_000);
  const b = read();
  assert.ok(Math.abs((b - a) * 1000 - d.ctx.state.meterRateW) < 1, `grew ${b - a} kWh at ${d.ctx.state.meterRateW} W`);
  const j = JSON.parse(text(d.run(requestMessage(Code.GET, '/meter/register', [[OptionNumber.ACCEPT, 50]]))));
  assert.equal(j.powerW, d.ctx.state.meterRateW);
});
