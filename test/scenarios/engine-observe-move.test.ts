// Engine scenarios: ServerObserver.moveTo(), an observer re-targeted to another socket of the client (RFC 7641 §4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, getOption, type Message } from '../../src/coap/index.js';
import type { Endpoint, ObserverEndReason, ServerObserver } from '../../src/engine/index.js';
import { EngineWorld } from '../support/engine-world.js';
import { assertNoLeaks } from '../support/leak-check.js';
import type { ScriptedPeer } from '../support/scripted-peer.js';

const tok = Buffer.from([0x70, 0x6b]);
const observe0 = [{ number: OptionNumber.OBSERVE, value: Buffer.alloc(0) }];
const observe1 = [{ number: OptionNumber.OBSERVE, value: Buffer.from([1]) }];
const v = (s: string) => ({ code: Code.CONTENT, payload: Buffer.from(s) });

/** A server whose handler registers observers (answering at once unless `hold`), and a registered client `a`. */
async function registered(w: EngineWorld, hold = false) {
  const server: Endpoint = w.endpoint({ limits: { observeConEvery: 3 } });
  const observers: ServerObserver[] = [];
  const ended: ObserverEndReason[] = [];
  server.serve((ex) => {
    const o = ex.observe((reason) => ended.push(reason));
    if (o === undefined) {
      ex.respond(v('plain'));
      return;
    }
    observers.push(o);
    if (!hold) o.notify(v('v0'));
  });
  const a = w.scripted();
  a.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1, token: tok, options: observe0 });
  await w.advance(1);
  return { server, observers, ended, a };
}

function messages(p: ScriptedPeer): Message[] {
  return p.takeAll().map((r) => r.message);
}

test('moveTo(): notifications follow to the new socket, the first as CON, then NON; the old socket hears nothing', async () => {
  const w = new EngineWorld();
  const { server, observers, ended, a } = await registered(w);
  const observer = observers[0] as ServerObserver;
  assert.equal(a.takeOne().type, MessageType.ACK, 'the piggybacked first response');
  // a CON notification to the old socket, never ACKed: the move must stop its retransmission
  observer.notify(v('v1'), { confirmable: true });
  await w.advance(1);
  assert.equal(a.takeOne().type, MessageType.CON);
  const b = w.scripted();
  assert.equal(observer.moveTo(b.address), true);
  assert.deepEqual(observer.from, b.address);
  observer.notify(v('v2'));
  await w.advance(1);
  const first = b.takeOne();
  assert.equal(first.type, MessageType.CON, 'the new socket confirms its interest first (RFC 7641 §4.5)');
  assert.deepEqual(first.token, tok);
  assert.ok(getOption(first, OptionNumber.OBSERVE) !== undefined);
  b.send(server.local, { type: MessageType.ACK, code: 0, messageId: first.messageId });
  await w.advance(1);
  observer.notify(v('v3'));
  await w.advance(1);
  const second = b.takeOne();
  assert.equal(second.type, MessageType.NON, 'then NON again');
  assert.equal(second.messageId, (first.messageId + 1) & 0xffff, 'message IDs of the new peer, in sequence');
  await w.advance(120_000);
  assert.deepEqual(messages(a), [], 'no retransmission or notification to the old socket');
  assert.equal(server.stats().transmissions, 0);
  // RFC 7641 §3.6: an RST from the new socket to a notification ends the observer
  b.send(server.local, { type: MessageType.RST, code: 0, messageId: second.messageId });
  await w.advance(1);
  assert.deepEqual(ended, ['reset']);
  assert.equal(observer.active, false);
  assert.equal(observer.moveTo(a.address), false, 'an ended observer does not move');
  await assertNoLeaks(w.clock, server);
  await a.close();
  await b.close();
});

test('after moveTo(), a GET with Observe 1 from the new socket deregisters; one from the old socket does not', async () => {
  const w = new EngineWorld();
  const { server, observers, ended, a } = await registered(w);
  const observer = observers[0] as ServerObserver;
  a.takeAll();
  const b = w.scripted();
  assert.equal(observer.moveTo(b.address), true);
  a.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 2, token: tok, options: observe1 });
  await w.advance(1);
  assert.equal(observer.active, true, 'the old socket no longer holds the entry');
  b.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 3, token: tok, options: observe1 });
  await w.advance(1);
  assert.deepEqual(ended, ['deregistered']);
  assert.equal(server.stats().observers, 0);
  assert.deepEqual(messages(b).map((m) => [m.type, m.payload.toString(), getOption(m, OptionNumber.OBSERVE)]), [[MessageType.ACK, 'plain', undefined]]);
  await assertNoLeaks(w.clock, server);
  await a.close();
  await b.close();
});

test('moveTo() to a silent socket: the CON notification times out and ends the observer; a pending registration cannot move', async () => {
  const w = new EngineWorld();
  const { server, observers, ended, a } = await registered(w, true);
  const observer = observers[0] as ServerObserver;
  const b = w.scripted();
  assert.equal(observer.moveTo(b.address), false, 'the first response has not been given yet');
  observer.notify(v('v0'));
  await w.advance(1);
  assert.equal(a.takeOne().type, MessageType.ACK);
  assert.equal(observer.moveTo(b.address), true);
  observer.notify(v('v1'));
  await w.advance(100_000);
  assert.equal(b.takeAll().length, 5, 'one CON and MAX_RETRANSMIT retransmissions');
  assert.deepEqual(ended, ['timeout']);
  await assertNoLeaks(w.clock, server);
  await a.close();
  await b.close();
});
