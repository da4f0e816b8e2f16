import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, getOptions, getStringOption, getUintOption, makeOptions, codeName } from '../../src/coap/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';

test('the seed walk-through: login, /.well-known/core, /time, /gpio, /dummy -> 5.01, logout 2.02 then 4.12, then 4.01', async () => {
  const w = await GatewayWorld.create();
  const c = w.client();
  assert.equal((await w.login(c)).code, Code.CREATED);

  const wkc = await w.run(c.request(GATEWAY, w.proxied('/.well-known/core')));
  assert.equal(codeName(wkc.code), '2.05 Content');
  assert.match(wkc.payload.toString(), /<\/time>/);
  assert.equal(getUintOption(wkc, OptionNumber.CONTENT_FORMAT), 40);

  const time = await w.run(c.request(GATEWAY, w.proxied('/time')));
  assert.equal(time.code, Code.CONTENT);
  assert.ok(time.payload.length > 0);

  const gpio = await w.run(c.request(GATEWAY, w.proxied('/gpio')));
  assert.equal(gpio.code, Code.CONTENT);

  const dummy = await w.run(c.request(GATEWAY, w.proxied('/dummy')));
  assert.equal(codeName(dummy.code), '5.01 Not Implemented');

  const del = { code: Code.DELETE, options: makeOptions([[OptionNumber.URI_PATH, 'sessions']]) };
  assert.equal((await w.run(c.request(GATEWAY, del))).code, Code.DELETED);
  assert.equal((await w.run(c.request(GATEWAY, del))).code, Code.PRECONDITION_FAILED);
  const after = await w.run(c.request(GATEWAY, w.proxied('/time')));
  assert.equal(after.code, Code.UNAUTHORIZED);
  assert.ok(after.payload.length > 0, 'a diagnostic payload');
  await w.leakCheck();
});

test('no session, no permission: 4.01 with a diagnostic, and nothing reaches the device', async () => {
  const w = await GatewayWorld.create();
  const anonymous = w.client();
  const r1 = await w.run(anonymous.request(GATEWAY, w.proxied('/time')));
  assert.equal(r1.code, Code.UNAUTHORIZED);
  assert.match(r1.payload.toString(), /session/i);

  const reader = w.client();
  await w.login(reader, 'read:bob');
  const put = await w.run(reader.request(GATEWAY, w.proxied('/gpio', { code: Code.PUT, payload: '1=1' })));
  assert.equal(put.code, Code.UNAUTHORIZED);
  assert.match(put.payload.toString(), /may not PUT/);
  const get = await w.run(reader.request(GATEWAY, w.proxied('/time')));
  assert.equal(get.code, Code.CONTENT);

  const nobody = w.client();
  await w.login(nobody, 'none:carol');
  const denied = await w.run(nobody.request(GATEWAY, w.proxied('/time')));
  assert.equal(denied.code, Code.UNAUTHORIZED);
  // authorization comes before DNS: only the permitted GET was resolved
  assert.equal(w.resolved.length, 1);
  await w.leakCheck();
});

test('unknown device 5.02, unknown domain 5.02, other schemes 5.05, IP literals 5.05, malformed Proxy-Uri 4.02', async () => {
  const w = await GatewayWorld.create();
  const c = w.client();
  await w.login(c);
  const ask = (uri: string) => w.run(c.request(GATEWAY, { code: Code.GET, options: makeOptions([[OptionNumber.PROXY_URI, uri]]) }));
  const unknown = await ask('coap://SSN0000000000000001.starfish.test/time');
  assert.equal(unknown.code, Code.BAD_GATEWAY);
  assert.match(unknown.payload.toString(), /NXDOMAIN/);
  const domain = await ask('coap://SSN0000000000000001.elsewhere.test/time');
  assert.equal(domain.code, Code.BAD_GATEWAY);
  assert.match(domain.payload.toString(), /device domain/);
  assert.equal((await ask('http://x.starfish.test/y')).code, Code.PROXYING_NOT_SUPPORTED);
  assert.equal((await ask('coaps://x.starfish.test/y')).code, Code.PROXYING_NOT_SUPPORTED);
  assert.equal((await ask(`coap://${w.device(0).identity.address}/time`)).code, Code.PROXYING_NOT_SUPPORTED);
  const frag = await ask('coap://h.starfish.test/x#frag');
  assert.equal(frag.code, Code.BAD_OPTION);
  assert.ok(frag.payload.length > 0);
  await w.leakCheck();
});

test('the device sees its own token and message ID, lowercase Uri-Host, Hop-Limit, and every other option in order', async () => {
  const w = await GatewayWorld.create();
  const c = w.client();
  await w.login(c);
  const seen: Array<{ token: Buffer; options: Array<[number, string]>; from: string }> = [];
  const { decode } = await import('../../src/coap/index.js');
  const untap = w.network.tap((d) => {
    if (d.to.address !== w.device(0).identity.address) return undefined;
    const m = decode(d.data);
    if (m.ok && m.value.code !== 0) seen.push({ token: m.value.token, options: m.value.options.map((o) => [o.number, o.value.toString('hex')]), from: d.from.address });
    return undefined;
  });
  const req = w.proxied('/time?x=1', { options: [[2048, 'a'], [2050, 'b'], [65000, Buffer.from([1, 2])], [OptionNumber.HOP_LIMIT, 16]] });
  const res = await w.run(c.request(GATEWAY, { ...req, token: Buffer.from('cafe') }));
  untap();
  assert.equal(res.code, Code.CONTENT);
  assert.deepEqual(res.token, Buffer.from('cafe'));
  assert.equal(seen.length, 1);
  const up = seen[0];
  assert.ok(up);
  assert.notDeepEqual(up.token, Buffer.from('cafe'));
  assert.equal(up.from, '10.0.0.2');
  const host = Buffer.from(w.device(0).identity.name.toLowerCase()).toString('hex');
  assert.deepEqual(up.options, [
    [OptionNumber.URI_HOST, host],
    [OptionNumber.URI_PATH, Buffer.from('time').toString('hex')],
    [OptionNumber.URI_QUERY, Buffer.from('x=1').toString('hex')],
    [OptionNumber.HOP_LIMIT, '0f'],
    [2048, Buffer.from('a').toString('hex')],
    [2050, Buffer.from('b').toString('hex')],
    [65000, '0102'],
  ]);
  await w.leakCheck();
});

test('Hop-Limit 1 is 5.08 naming the gateway; 0 is 4.00; none of them reach the device (RFC 8768)', async () => {
  const w = await GatewayWorld.create();
  const c = w.client();
  await w.login(c);
  const one = await w.run(c.request(GATEWAY, w.proxied('/time', { options: [[OptionNumber.HOP_LIMIT, 1]] })));
  assert.equal(one.code, Code.HOP_LIMIT_REACHED);
  assert.equal(one.payload.toString(), GATEWAY.address);
  const zeroHop = w.proxied('/time');
  const zero = await w.run(c.request(GATEWAY, { ...zeroHop, options: [...(zeroHop.options ?? []), { number: OptionNumber.HOP_LIMIT, value: Buffer.from([0]) }] }));
  assert.equal(zero.code, Code.BAD_REQUEST);
  assert.equal(w.resolved.length, 0);
  await w.leakCheck();
});

test('FETCH, PATCH, iPATCH, PUT, POST, DELETE are forwarded; an unknown method code is 4.05', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const c = w.client();
  await w.login(c);
  const codes: number[] = [];
  const { decode } = await import('../../src/coap/index.js');
  const untap = w.network.tap((d) => {
    const m = decode(d.data);
    if (m.ok && d.to.address === w.device(0).identity.address && m.value.code > 0 && m.value.code < 32) codes.push(m.value.code);
    return undefined;
  });
  for (const code of [Code.PUT, Code.POST, Code.DELETE, Code.FETCH, Code.PATCH, Code.IPATCH]) {
    const r = await w.run(c.request(GATEWAY, w.proxied('/test', { code, payload: 'x', options: [[OptionNumber.CONTENT_FORMAT, 0]] })));
    assert.ok(r.code >= 64, `a response for ${code}`);
  }
  untap();
  assert.deepEqual(codes, [Code.PUT, Code.POST, Code.DELETE, Code.FETCH, Code.PATCH, Code.IPATCH]);
  const unknown = await w.run(c.request(GATEWAY, { ...w.proxied('/test'), code: 8 }));
  assert.equal(unknown.code, Code.METHOD_NOT_ALLOWED);
  await w.leakCheck();
});

test('a proxied request naming the gateway itself is served locally; a NON request gets a NON response', async () => {
  const w = await GatewayWorld.create();
  const c = w.client();
  await w.login(c);
  const help = await w.run(c.request(GATEWAY, { code: Code.GET, options: makeOptions([[OptionNumber.PROXY_URI, `coap://10.0.0.1:5683/help`]]) }));
  assert.equal(help.code, Code.CONTENT);
  assert.match(help.payload.toString(), /To login/);
  const non = await w.run(c.request(GATEWAY, w.proxied('/time', { type: MessageType.NON })));
  assert.equal(non.type, MessageType.NON);
  assert.equal(non.code, Code.CONTENT);
  assert.equal(getStringOption(non, OptionNumber.PROXY_URI), undefined);
  assert.equal(getOptions(non, OptionNumber.OBSERVE).length, 0);
  await w.leakCheck();
});
