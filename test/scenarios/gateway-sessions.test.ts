import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, makeOptions } from '../../src/coap/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';

test('at most 10 sessions per account: the 11th gets 4.29 with a diagnostic; a login on the same socket replaces', async () => {
  const w = await GatewayWorld.create();
  const clients = Array.from({ length: 11 }, () => w.client());
  for (const c of clients.slice(0, 10)) assert.equal((await w.login(c)).code, Code.CREATED);
  const eleventh = await w.login(clients[10] ?? w.client());
  assert.equal(eleventh.code, Code.TOO_MANY_REQUESTS);
  assert.match(eleventh.payload.toString(), /limit/i);
  // a second login from a socket that has a session replaces it (not counted twice)
  assert.equal((await w.login(clients[0] ?? w.client())).code, Code.CREATED);
  // the token's own limit wins over the default
  const d = w.client();
  const e = w.client();
  assert.equal((await w.login(d, 'all:dave:1')).code, Code.CREATED);
  assert.equal((await w.login(e, 'all:dave:1')).code, Code.TOO_MANY_REQUESTS);
  await w.leakCheck();
});

test('a bad token is refused with 4.01 and the reason', async () => {
  const w = await GatewayWorld.create();
  const c = w.client();
  const r = await w.login(c, 'garbage');
  assert.equal(r.code, Code.UNAUTHORIZED);
  assert.match(r.payload.toString(), /malformed/);
  await w.leakCheck();
});

test('idle sessions close with a NON 5.03 to the client; then requests get 4.01; traffic keeps a session open', async () => {
  const w = await GatewayWorld.create({ maxIdleMs: 3000, graceMs: 1000 });
  const idle = w.scripted();
  const busy = w.client();
  // a NON login gets a NON 2.01: a message ID of the gateway's own sequence toward this client
  idle.send(GATEWAY, { type: MessageType.NON, code: Code.POST, messageId: 1, token: Buffer.from([1]), options: makeOptions([[OptionNumber.URI_PATH, 'sessions']]), payload: 'all:alice' });
  await w.clock.advanceAsync(100);
  const created = idle.takeOne();
  assert.equal(created.code, Code.CREATED);
  assert.equal((await w.login(busy, 'all:bob')).code, Code.CREATED);
  for (let i = 0; i < 5; i++) {
    await w.clock.advanceAsync(1000);
    const r = await w.run(busy.request(GATEWAY, w.proxied('/time')));
    assert.equal(r.code, Code.CONTENT, `busy client request ${i}`);
  }
  // by now (5 s) the idle one has been closed, within maxIdle + grace
  const got = idle.takeAll().map((x) => x.message);
  assert.equal(got.length, 1, 'one NON 5.03');
  assert.equal(got[0]?.type, MessageType.NON);
  assert.equal(got[0]?.code, Code.SERVICE_UNAVAILABLE);
  // sent by the engine (RFC 7252 §4.4: the next of its message IDs toward this client), not as a raw datagram
  assert.equal(got[0]?.messageId, (created.messageId + 1) & 0xffff);
  idle.send(GATEWAY, { type: MessageType.CON, code: Code.GET, messageId: 2, token: Buffer.from([2]), options: w.proxied('/time').options ?? [] });
  await w.clock.advanceAsync(100);
  assert.equal(idle.takeOne().code, Code.UNAUTHORIZED);
  await w.leakCheck();
});

test('sticky login from another socket moves the account session there', async () => {
  const w = await GatewayWorld.create();
  const first = w.client();
  const second = w.client();
  assert.equal((await w.login(first, 'all:erin:1', true)).code, Code.CREATED);
  // with a limit of 1, a sticky login from a second socket still succeeds: the session moves
  assert.equal((await w.login(second, 'all:erin:1', true)).code, Code.CREATED);
  assert.equal((await w.run(second.request(GATEWAY, w.proxied('/time')))).code, Code.CONTENT);
  assert.equal((await w.run(first.request(GATEWAY, w.proxied('/time')))).code, Code.UNAUTHORIZED);
  await w.leakCheck();
});

test('one account can never end another account session', async () => {
  const w = await GatewayWorld.create();
  const a = w.client();
  const b = w.client();
  await w.login(a, 'all:alice');
  const del = { code: Code.DELETE, options: makeOptions([[OptionNumber.URI_PATH, 'sessions']]) };
  assert.equal((await w.run(b.request(GATEWAY, del))).code, Code.PRECONDITION_FAILED);
  assert.equal((await w.run(a.request(GATEWAY, w.proxied('/time')))).code, Code.CONTENT);
  await w.leakCheck();
});
