// Engine scenarios: Observe client side (RFC 7641 §3) against our server and a scripted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, encodeUint, getOption, decodeUint, type Message } from '../../src/coap/index.js';
import { isRequestError, type ObservationEndReason, type ObserverEndReason, type ServerObserver } from '../../src/engine/index.js';
import { EngineWorld } from '../support/engine-world.js';
import { assertNoLeaks } from '../support/leak-check.js';

const observeOpt = (v: number) => [{ number: OptionNumber.OBSERVE, value: encodeUint(v) }];
const obs = (m: Message): number | undefined => {
  const v = getOption(m, OptionNumber.OBSERVE);
  return v === undefined ? undefined : decodeUint(v);
};

function recorder() {
  const payloads: string[] = [];
  const ends: ObservationEndReason[] = [];
  return {
    payloads,
    ends,
    callbacks: { onNotification: (m: Message) => payloads.push(m.payload.toString()), onEnd: (r: ObservationEndReason) => ends.push(r) },
  };
}

test('our client observes our server: notifications in order, proactive cancel deregisters (GET Observe 1)', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.endpoint();
  let observer: ServerObserver | undefined;
  const serverEnds: ObserverEndReason[] = [];
  const gets: Array<number | undefined> = [];
  server.serve((ex) => {
    gets.push(obs(ex.request));
    observer = ex.observe((r) => serverEnds.push(r)) ?? observer;
    ex.respond({ code: Code.CONTENT, payload: Buffer.from('n0') });
  });
  const rec = recorder();
  const o = client.observe(server.local, { options: [{ number: OptionNumber.URI_PATH, value: Buffer.from('time') }] }, rec.callbacks);
  const first = await w.run(o.first);
  assert.equal(obs(first) !== undefined, true);
  for (let i = 1; i <= 6; i++) {
    observer?.notify({ code: Code.CONTENT, payload: Buffer.from(`n${i}`) });
    await w.advance(1000);
  }
  assert.deepEqual(rec.payloads, ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  assert.equal(client.stats().observations, 1);
  assert.equal(client.stats().clientExchanges, 0, 'an established observation is not a pending exchange');
  await w.run(o.cancel());
  assert.deepEqual(gets, [0, 1]);
  assert.deepEqual(serverEnds, ['deregistered']);
  assert.deepEqual(rec.ends, ['cancelled']);
  assert.equal(o.active, false);
  await assertNoLeaks(w.clock, client, server);
});

test('reactive cancel: the next notification is answered with RST and the server drops the observer', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.endpoint();
  let observer: ServerObserver | undefined;
  const serverEnds: ObserverEndReason[] = [];
  server.serve((ex) => {
    observer = ex.observe((r) => serverEnds.push(r));
    ex.respond({ code: Code.CONTENT });
  });
  const rec = recorder();
  const o = client.observe(server.local, {}, rec.callbacks);
  await w.run(o.first);
  await o.cancel('reactive');
  observer?.notify({ code: Code.CONTENT, payload: Buffer.from('late') });
  await w.advance(10);
  assert.deepEqual(serverEnds, ['reset']);
  assert.deepEqual(rec.payloads, [''], 'the late notification was not delivered');
  observer?.notify({ code: Code.CONTENT, payload: Buffer.from('later') }, { confirmable: true });
  await w.advance(10);
  assert.equal(server.stats().transmissions, 0);
  await assertNoLeaks(w.clock, client, server);
});

test('freshness (RFC 7641 §3.4): stale values dropped, 24-bit wrap accepted, anything after 128 s accepted; CON ACKed either way', async () => {
  const w = new EngineWorld();
  const client = w.endpoint();
  const server = w.scripted();
  const rec = recorder();
  const o = client.observe(server.address, {}, rec.callbacks);
  await w.advance(1);
  const reg = server.takeOne();
  assert.deepEqual(getOption(reg, OptionNumber.OBSERVE), Buffer.alloc(0), 'registration carries Observe 0');
  const note = (mid: number, value: number, payload: string, type: MessageType = MessageType.NON) =>
    server.send(client.local, { type, code: Code.CONTENT, messageId: mid, token: reg.token, options: observeOpt(value), payload });
  server.send(client.local, { type: MessageType.ACK, code: Code.CONTENT, messageId: reg.messageId, token: reg.token, options: observeOpt(0xfffffd), payload: 'a' });
  await w.advance(1);
  note(1, 0xfffffe, 'b');
  note(2, 0xfffffc, 'stale');
  note(3, 1, 'c-wrapped');
  note(4, 0xffffff, 'stale-before-wrap', MessageType.CON);
  await w.advance(1);
  assert.deepEqual(rec.payloads, ['a', 'b', 'c-wrapped']);
  assert.equal(server.takeAll().filter((r) => r.message.type === MessageType.ACK).length, 1, 'the stale CON is still ACKed');
  await w.advance(128_001);
  note(5, 0, 'old-value-after-128s');
  await w.advance(1);
  assert.deepEqual(rec.payloads.at(-1), 'old-value-after-128s');
  // A response without Observe ends it (the server stopped notifying).
  server.send(client.local, { type: MessageType.NON, code: Code.CONTENT, messageId: 6, token: reg.token, payload: 'final' });
  await w.advance(1);
  assert.deepEqual(rec.ends, ['not-observed']);
  assert.equal(rec.payloads.at(-1), 'final');
  assert.equal(o.active, false);
  await assertNoLeaks(w.clock, client);
});

test('re-registration reuses the token with a new message ID; a registration RST ends with reset', async () => {
  const w = new EngineWorld();
  const client = w.endpoint();
  const server = w.scripted();
  const rec = recorder();
  const o = client.observe(server.address, {}, rec.callbacks);
  await w.advance(1);
  const reg = server.takeOne();
  server.send(client.local, { type: MessageType.ACK, code: Code.CONTENT, messageId: reg.messageId, token: reg.token, options: observeOpt(5) });
  await w.run(o.first);
  o.reregister();
  await w.advance(1);
  const again = server.takeOne();
  assert.deepEqual(again.token, reg.token);
  assert.notEqual(again.messageId, reg.messageId);
  assert.deepEqual(getOption(again, OptionNumber.OBSERVE), Buffer.alloc(0));
  server.send(client.local, { type: MessageType.RST, code: 0, messageId: again.messageId });
  await w.advance(1);
  assert.deepEqual(rec.ends, ['reset']);
  const failing = client.observe(server.address, {}, recorder().callbacks);
  await w.advance(1);
  server.send(client.local, { type: MessageType.RST, code: 0, messageId: server.takeOne().messageId });
  await assert.rejects(w.run(failing.first), (e) => isRequestError(e, 'reset'));
  await assertNoLeaks(w.clock, client);
});

test('a server that does not observe answers without Observe: one response, then not-observed', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.endpoint();
  server.serve((ex) => ex.respond({ code: Code.CONTENT, payload: Buffer.from('once') }));
  const rec = recorder();
  const o = client.observe(server.local, {}, rec.callbacks);
  const r = await w.run(o.first);
  assert.equal(obs(r), undefined);
  assert.deepEqual(rec.payloads, ['once']);
  assert.deepEqual(rec.ends, ['not-observed']);
  assert.equal(o.active, false);
  await assertNoLeaks(w.clock, client, server);
});

test('reordering mesh: with jitter, notifications arrive out of order but are delivered fresh-only', async () => {
  const w = new EngineWorld(5);
  const server = w.endpoint();
  const client = w.endpoint();
  w.network.setPath(server.local.address, client.local.address, { delayMs: 50, jitterMs: 400 });
  let observer: ServerObserver | undefined;
  server.serve((ex) => {
    observer = ex.observe();
    ex.respond({ code: Code.CONTENT, payload: Buffer.from('0') });
  });
  const seen: number[] = [];
  const o = client.observe(server.local, {}, { onNotification: (m) => seen.push(Number(m.payload.toString())) });
  await w.run(o.first);
  for (let i = 1; i <= 40; i++) {
    observer?.notify({ code: Code.CONTENT, payload: Buffer.from(String(i)) });
    await w.advance(20);
  }
  await w.advance(5000);
  assert.ok(seen.length >= 5, `some delivered (${seen.length})`);
  assert.ok(seen.length < 41, 'overtaken notifications were dropped as stale');
  for (let i = 1; i < seen.length; i++) assert.ok((seen[i] as number) > (seen[i - 1] as number), `in order: ${seen.join(',')}`);
  await w.run(o.cancel());
  await assertNoLeaks(w.clock, client, server);
});
