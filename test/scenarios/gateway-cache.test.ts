import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, OptionNumber, decode, getOption, getUintOption } from '../../src/coap/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';

/** Counts requests (and their codes) reaching the first device. */
function deviceRequests(w: GatewayWorld): { codes: number[]; withEtag: number; stop: () => void } {
  const out = { codes: [] as number[], withEtag: 0, stop: () => undefined as void };
  const address = w.device(0).identity.address;
  const stop = w.network.tap((d) => {
    const m = decode(d.data);
    if (m.ok && d.to.address === address && m.value.code >= 1 && m.value.code <= 31) {
      out.codes.push(m.value.code);
      if (getOption(m.value, OptionNumber.ETAG) !== undefined) out.withEtag++;
    }
    return undefined;
  });
  out.stop = stop;
  return out;
}

test('a fresh response is served from the cache with the remaining Max-Age; PUT invalidates (R53, R55, R57, CORE_29)', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const c = w.client();
  await w.login(c);
  const seen = deviceRequests(w);
  const first = await w.run(c.request(GATEWAY, w.proxied('/validate')));
  assert.equal(first.code, Code.CONTENT);
  assert.equal(getUintOption(first, OptionNumber.MAX_AGE), 30);
  await w.clock.advanceAsync(10_000);
  const second = await w.run(c.request(GATEWAY, w.proxied('/validate')));
  assert.equal(second.code, Code.CONTENT);
  assert.deepEqual(second.payload, first.payload);
  const age = getUintOption(second, OptionNumber.MAX_AGE) ?? 99;
  assert.ok(age <= 20 && age >= 19, `Max-Age ${age}`);
  assert.deepEqual(seen.codes, [Code.GET], 'the second GET did not reach the device');

  const put = await w.run(c.request(GATEWAY, w.proxied('/validate', { code: Code.PUT, payload: 'new', options: [[OptionNumber.CONTENT_FORMAT, 0]] })));
  assert.equal(put.code, Code.CHANGED);
  const third = await w.run(c.request(GATEWAY, w.proxied('/validate')));
  assert.equal(third.payload.toString(), 'new');
  assert.deepEqual(seen.codes, [Code.GET, Code.PUT, Code.GET]);
  assert.equal(w.gateway.cacheStats().hits, 1);
  seen.stop();
  await w.leakCheck();
});

test('a stale entry is revalidated with its ETag; a client holding the ETag gets 2.03 (R58, R59, CORE_21)', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const c = w.client();
  await w.login(c);
  const seen = deviceRequests(w);
  const first = await w.run(c.request(GATEWAY, w.proxied('/validate')));
  const etag = getOption(first, OptionNumber.ETAG);
  assert.ok(etag);
  const valid = await w.run(c.request(GATEWAY, w.proxied('/validate', { options: [[OptionNumber.ETAG, etag]] })));
  assert.equal(valid.code, Code.VALID);
  assert.equal(valid.payload.length, 0);
  assert.deepEqual(getOption(valid, OptionNumber.ETAG), etag);
  await w.clock.advanceAsync(31_000);
  const again = await w.run(c.request(GATEWAY, w.proxied('/validate')));
  assert.equal(again.code, Code.CONTENT);
  assert.deepEqual(again.payload, first.payload);
  assert.equal(seen.codes.length, 2, 'one GET, then one revalidation');
  assert.equal(seen.withEtag, 1, 'the revalidation carried the stored ETag');
  assert.equal(w.gateway.cacheStats().revalidated, 1);
  seen.stop();
  await w.leakCheck();
});

test('Accept variants are separate entries (CORE_26); NoCacheKey options do not split them (R54)', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const c = w.client();
  await w.login(c);
  const text = await w.run(c.request(GATEWAY, w.proxied('/multi-format', { options: [[OptionNumber.ACCEPT, 0]] })));
  const xml = await w.run(c.request(GATEWAY, w.proxied('/multi-format', { options: [[OptionNumber.ACCEPT, 41]] })));
  assert.equal(getUintOption(text, OptionNumber.CONTENT_FORMAT), 0);
  assert.equal(getUintOption(xml, OptionNumber.CONTENT_FORMAT), 41);
  const seen = deviceRequests(w);
  await w.run(c.request(GATEWAY, w.proxied('/validate', { options: [[2076, 'a']] })));
  await w.run(c.request(GATEWAY, w.proxied('/validate', { options: [[2076, 'b']] })));
  assert.equal(seen.codes.length, 1);
  seen.stop();
  await w.leakCheck();
});

test('cached responses reach only sessions allowed to see the device (R60)', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const allowed = w.client();
  const denied = w.client();
  await w.login(allowed, 'all:alice');
  await w.login(denied, 'none:mallory');
  assert.equal((await w.run(allowed.request(GATEWAY, w.proxied('/validate')))).code, Code.CONTENT);
  const r = await w.run(denied.request(GATEWAY, w.proxied('/validate')));
  assert.equal(r.code, Code.UNAUTHORIZED);
  assert.doesNotMatch(r.payload.toString(), /validate/i);
  await w.leakCheck();
});

test('identical concurrent GETs are coalesced into one upstream request', async () => {
  const w = await GatewayWorld.create();
  const clients = [w.client(), w.client(), w.client()];
  for (const c of clients) await w.login(c);
  const seen = deviceRequests(w);
  const results = await w.run(Promise.all(clients.map((c) => c.request(GATEWAY, w.proxied('/slow?delay=2')))));
  for (const r of results) assert.equal(r.code, Code.CONTENT);
  assert.equal(seen.codes.length, 1);
  seen.stop();
  await w.leakCheck();
});
