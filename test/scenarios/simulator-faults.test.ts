// Scenario: device fault modes seen from a CoAP client (timeouts, RST, delays, loss, garbage, extra options).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, OptionNumber, getOption, makeOptions } from '../../src/coap/index.js';
import { isRequestError } from '../../src/engine/index.js';
import { startScenario, text, uriOptions } from './simulator-harness.js';

const GET_TIME = { code: Code.GET, options: makeOptions(uriOptions('/time')) };

test('down: the device does not answer, the client times out; back up, it answers again', async () => {
  const s = await startScenario();
  s.device.setFault('down');
  const failed = await s.settle(s.client.request(s.device.address, GET_TIME).then(() => 'answered', (e: unknown) => e));
  assert.ok(isRequestError(failed, 'timeout'), String(failed));
  s.device.setFault('none');
  assert.equal((await s.request(Code.GET, '/time')).code, Code.CONTENT);
  await s.finish();
});

test('reset: every request gets an RST (RFC 7252 §4.2)', async () => {
  const s = await startScenario();
  s.device.setFault('reset');
  const failed = await s.settle(s.client.request(s.device.address, GET_TIME).then(() => 'answered', (e: unknown) => e));
  assert.ok(isRequestError(failed, 'reset'), String(failed));
  assert.ok(s.clock.now() < 1000, 'the RST comes at once');
  s.device.setFault('none');
  await s.finish();
});

test('slow: answers come slowMs later, after client retransmissions (RFC 7252 §4.2)', async () => {
  const s = await startScenario();
  s.device.setFault('slow', { slowMs: 4000 });
  let requests = 0;
  s.network.tap((d) => {
    if (d.to.address === s.device.identity.address) requests++;
  });
  const start = s.clock.now();
  const r = await s.request(Code.GET, '/time');
  assert.equal(r.code, Code.CONTENT);
  assert.ok(s.clock.now() - start >= 4000);
  assert.ok(requests >= 2, 'the client retransmitted while waiting');
  s.device.setFault('none');
  await s.finish();
});

test('lossy: retransmission gets most requests through a device dropping half its datagrams', async () => {
  const s = await startScenario();
  s.device.setFault('lossy', { lossRate: 0.5 });
  let ok = 0;
  for (let i = 0; i < 10; i++) {
    const r = await s.settle(s.client.request(s.device.address, GET_TIME).then((m) => m.code, () => 0));
    if (r === Code.CONTENT) ok++;
  }
  assert.ok(ok >= 7, `${ok}/10 got through`);
  s.device.setFault('none');
  await s.finish();
});

test('malformed and truncated: the client never gets a usable answer', async () => {
  const s = await startScenario();
  for (const mode of ['malformed', 'truncated'] as const) {
    s.device.setFault(mode);
    const failed = await s.settle(s.client.request(s.device.address, GET_TIME, { timeoutMs: 10_000 }).then(() => 'answered', (e: unknown) => e));
    assert.ok(isRequestError(failed), `${mode}: ${String(failed)}`);
  }
  s.device.setFault('none');
  assert.equal((await s.request(Code.GET, '/time')).code, Code.CONTENT);
  await s.finish();
});

test('an unknown unsafe option can be added to every response (RFC 7252 §5.7.1 tests for proxies)', async () => {
  const s = await startScenario();
  s.device.setResponseOption(2050, Buffer.from('zz'));
  const r = await s.request(Code.GET, '/time');
  assert.equal(getOption(r, 2050)?.toString(), 'zz');
  assert.equal(r.code, Code.CONTENT);
  assert.ok(Number(text(r)) > 0);
  s.device.setResponseOption(undefined);
  assert.equal(getOption(await s.request(Code.GET, '/time'), 2050), undefined);
  await s.finish();
});

test('faults are per device: the neighbour keeps answering', async () => {
  const s = await startScenario();
  s.device.setFault('down');
  const other = s.fleet.devices[1]!;
  assert.equal((await s.request(Code.GET, '/time', [], '', { device: other })).code, Code.CONTENT);
  assert.equal(getOption(await s.request(Code.GET, '/gpio', [], '', { device: other }), OptionNumber.CONTENT_FORMAT)?.length, 0);
  s.device.setFault('none');
  await s.finish();
});
