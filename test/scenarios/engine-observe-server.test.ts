// Engine scenarios: Observe server side (RFC 7641 §4) against a scripted client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, getOption, decodeUint, type Message } from '../../src/coap/index.js';
import type { ObserverEndReason, ServerObserver } from '../../src/engine/index.js';
import { EngineWorld } from '../support/engine-world.js';
import { assertNoLeaks } from '../support/leak-check.js';
import { describe } from '../support/scripted-peer.js';

const tok = Buffer.from([0x0b, 0x5e]);
const observe0 = [{ number: OptionNumber.OBSERVE, value: Buffer.alloc(0) }];
const observe1 = [{ number: OptionNumber.OBSERVE, value: Buffer.from([1]) }];

function obs(m: Message): number | undefined {
  const v = getOption(m, OptionNumber.OBSERVE);
  return v === undefined ? undefined : decodeUint(v);
}

/** A server whose /obs resource registers observers; returns them and their end reasons. */
function observableServer(w: EngineWorld, limits: { observeConEvery?: number } = {}) {
  const server = w.endpoint({ limits });
  const observers: ServerObserver[] = [];
  const ended: ObserverEndReason[] = [];
  let plainGets = 0;
  server.serve((ex) => {
    const o = ex.observe((reason) => ended.push(reason));
    if (o === undefined) {
      plainGets++;
      ex.respond({ code: Code.CONTENT, payload: Buffer.from('plain') });
      return;
    }
    observers.push(o);
    o.notify({ code: Code.CONTENT, payload: Buffer.from('v0') });
  });
  return { server, observers, ended, plainGets: () => plainGets };
}

test('registration: first response piggybacked with Observe, then notifications with increasing 24-bit values', async () => {
  const w = new EngineWorld();
  const { server, observers, ended } = observableServer(w, { observeConEvery: 3 });
  const client = w.scripted();
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1, token: tok, options: observe0 });
  await w.advance(1);
  const first = client.takeOne();
  assert.equal(describe(first), 'ACK 2.05 mid=1 tok=0b5e');
  const o = observers[0] as ServerObserver;
  for (let i = 1; i <= 4; i++) o.notify({ code: Code.CONTENT, payload: Buffer.from(`v${i}`) });
  await w.advance(1);
  const notes = client.takeAll().map((r) => r.message);
  // RFC 7641 §4.5: every 3rd is CON here; at most one CON in flight, so v4 replaces nothing yet (v3 is the CON).
  assert.deepEqual(notes.map((m) => m.type), [MessageType.NON, MessageType.NON, MessageType.CON]);
  const values = [first, ...notes].map((m) => obs(m) as number);
  for (let i = 1; i < values.length; i++) assert.equal(values[i], ((values[i - 1] as number) + 1) % 0x1000000);
  assert.ok(notes.every((m) => m.token.equals(tok)));
  // v4 was issued while the CON (v3) was unacknowledged: it took its place and goes out at the retransmission.
  await w.advance(2000);
  const resend = client.takeOne();
  assert.equal(resend.payload.toString(), 'v4');
  assert.equal(resend.type, MessageType.CON);
  assert.equal(server.stats().transmissions, 1, 'still one CON in flight (R72)');
  client.send(server.local, { type: MessageType.ACK, code: 0, messageId: resend.messageId });
  await w.advance(1);
  assert.equal(server.stats().transmissions, 0);
  o.end();
  assert.deepEqual(ended, ['ended']);
  await assertNoLeaks(w.clock, server);
});

test('an unacknowledged CON notification removes the observer after MAX_RETRANSMIT (R70)', async () => {
  const w = new EngineWorld();
  const { server, observers, ended } = observableServer(w);
  const client = w.scripted();
  client.send(server.local, { type: MessageType.NON, code: Code.GET, messageId: 1, token: tok, options: observe0 });
  await w.advance(1);
  const first = client.takeOne();
  assert.equal(first.type, MessageType.NON, 'NON request, NON response (RFC 7252 §5.2.3)');
  assert.notEqual(obs(first), undefined);
  (observers[0] as ServerObserver).notify({ code: Code.CONTENT, payload: Buffer.from('c') }, { confirmable: true });
  await w.advance(100_000);
  const sends = client.takeAll();
  assert.deepEqual(sends.map((r) => r.at), [1, 2001, 6001, 14001, 30001]);
  assert.deepEqual(ended, ['timeout']);
  assert.equal(server.stats().observers, 0);
  (observers[0] as ServerObserver).notify({ code: Code.CONTENT });
  await w.advance(1);
  assert.deepEqual(client.takeAll(), [], 'a removed observer sends nothing');
  await assertNoLeaks(w.clock, server);
});

test('RST to a NON notification removes the observer (R69)', async () => {
  const w = new EngineWorld();
  const { server, observers, ended } = observableServer(w);
  const client = w.scripted();
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1, token: tok, options: observe0 });
  await w.advance(1);
  client.takeAll();
  (observers[0] as ServerObserver).notify({ code: Code.CONTENT });
  await w.advance(1);
  const note = client.takeOne();
  assert.equal(note.type, MessageType.NON);
  client.send(server.local, { type: MessageType.RST, code: 0, messageId: note.messageId });
  await w.advance(1);
  assert.deepEqual(ended, ['reset']);
  assert.equal(server.stats().observers, 0);
  await assertNoLeaks(w.clock, server);
});

test('GET with Observe 1, or without Observe, with the same token deregisters; a new token does not (R68, R76)', async () => {
  const w = new EngineWorld();
  const { server, ended, plainGets } = observableServer(w);
  const client = w.scripted();
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1, token: tok, options: observe0 });
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 2, token: Buffer.from([9]) });
  await w.advance(1);
  assert.equal(server.stats().observers, 1);
  assert.deepEqual(ended, [], 'a plain GET with another token leaves the observation alone');
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 3, token: tok, options: observe1 });
  await w.advance(1);
  assert.deepEqual(ended, ['deregistered']);
  const answers = client.takeAll().map((r) => r.message);
  const last = answers.at(-1) as Message;
  assert.equal(last.messageId, 3);
  assert.equal(obs(last), undefined, 'the deregistration response has no Observe');
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 4, token: tok, options: observe0 });
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 5, token: tok });
  await w.advance(1);
  assert.deepEqual(ended, ['deregistered', 'deregistered']);
  assert.equal(plainGets(), 3);
  await assertNoLeaks(w.clock, server);
});

test('re-registration with the same token replaces the entry (RFC 7641 §4.1, R67)', async () => {
  const w = new EngineWorld();
  const { server, observers, ended } = observableServer(w);
  const client = w.scripted();
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1, token: tok, options: observe0 });
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 2, token: tok, options: observe0 });
  await w.advance(1);
  assert.deepEqual(ended, ['replaced']);
  assert.equal(server.stats().observers, 1);
  assert.equal(observers[0]?.active, false);
  assert.equal(observers[1]?.active, true);
  await server.close();
  assert.deepEqual(ended, ['replaced', 'closed']);
  assert.equal(w.clock.pendingTimers, 0);
});

test('a non-2.xx notification ends the observation and carries no Observe (R74)', async () => {
  const w = new EngineWorld();
  const { server, observers, ended } = observableServer(w);
  const client = w.scripted();
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1, token: tok, options: observe0 });
  await w.advance(1);
  client.takeAll();
  (observers[0] as ServerObserver).notify({ code: Code.NOT_FOUND });
  await w.advance(1);
  const m = client.takeOne();
  assert.equal(describe(m).slice(0, 8), 'CON 4.04');
  assert.equal(obs(m), undefined);
  assert.deepEqual(ended, ['ended']);
  client.send(server.local, { type: MessageType.ACK, code: 0, messageId: m.messageId });
  await assertNoLeaks(w.clock, server);
});

test('slow first response: empty ACK, then a CON first notification; CON at least once per interval', async () => {
  const w = new EngineWorld();
  const server = w.endpoint({ limits: { observeConIntervalMs: 10_000, observeConEvery: 1000 } });
  const client = w.scripted();
  let observer: ServerObserver | undefined;
  server.serve((ex) => {
    observer = ex.observe();
  });
  client.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1, token: tok, options: observe0 });
  await w.advance(600);
  assert.equal(describe(client.takeOne()), 'ACK 0.00 mid=1 tok=');
  observer?.notify({ code: Code.CONTENT, payload: Buffer.from('first') });
  await w.advance(1);
  const first = client.takeOne();
  assert.equal(first.type, MessageType.CON);
  assert.notEqual(obs(first), undefined);
  client.send(server.local, { type: MessageType.ACK, code: 0, messageId: first.messageId });
  await w.advance(5000);
  observer?.notify({ code: Code.CONTENT });
  await w.advance(6000);
  observer?.notify({ code: Code.CONTENT });
  await w.advance(1);
  assert.deepEqual(client.takeAll().map((r) => r.message.type), [MessageType.NON, MessageType.CON], 'a CON after 10 s without one');
  observer?.end();
  await assertNoLeaks(w.clock, server);
});
