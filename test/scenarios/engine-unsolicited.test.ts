// Engine scenarios: Endpoint.send(), messages outside any exchange with our message IDs, ACK/RST outcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType } from '../../src/coap/index.js';
import { isRequestError } from '../../src/engine/index.js';
import { EngineWorld } from '../support/engine-world.js';
import { assertNoLeaks } from '../support/leak-check.js';

test('send(): a NON with the next message ID toward that peer; an RST to it is reported (RFC 7252 §4.3, §4.4)', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.scripted();
  server.serve((ex) => ex.respond({ code: Code.CONTENT }));
  // a NON request gets a NON response: the server's first own message ID toward this client
  client.send(server.local, { type: MessageType.NON, code: Code.GET, messageId: 1, token: Buffer.from([1]) });
  await w.advance(1);
  const response = client.takeOne();
  const resets: string[] = [];
  const sent = server.send(client.address, { code: Code.SERVICE_UNAVAILABLE, payload: Buffer.from('bye') }, { onReset: () => resets.push('first') });
  assert.ok(sent.ok);
  const unwatched = server.send(client.address, { code: Code.SERVICE_UNAVAILABLE });
  assert.ok(unwatched.ok);
  await w.advance(1);
  const [first, second] = client.takeAll().map((r) => r.message);
  assert.equal(first?.type, MessageType.NON);
  assert.equal(first?.code, Code.SERVICE_UNAVAILABLE);
  assert.equal(first?.token.length, 0);
  assert.equal(first?.payload.toString(), 'bye');
  assert.equal(first?.messageId, (response.messageId + 1) & 0xffff, 'the engine message ID sequence, not a random one');
  assert.equal(sent.value, first?.messageId);
  assert.equal(second?.messageId, (response.messageId + 2) & 0xffff);
  // RST to each: only the watched one is reported, once
  client.send(server.local, { type: MessageType.RST, code: 0, messageId: sent.value });
  client.send(server.local, { type: MessageType.RST, code: 0, messageId: unwatched.value });
  client.send(server.local, { type: MessageType.RST, code: 0, messageId: sent.value });
  await w.advance(1);
  assert.deepEqual(resets, ['first']);
  await assertNoLeaks(w.clock, server);
  await client.close();
});

test('send() confirmable: retransmitted until ACK; RST and give-up are reported; nothing left behind', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.scripted();
  const log: string[] = [];
  const outcome = (name: string) => ({
    confirmable: true,
    onAck: () => log.push(`${name} ack`),
    onReset: () => log.push(`${name} reset`),
    onTimeout: () => log.push(`${name} timeout @${w.clock.now()}`),
  });
  const acked = server.send(client.address, { code: Code.CONTENT, token: Buffer.from('t1') }, outcome('a'));
  assert.ok(acked.ok);
  await w.advance(2000);
  const copies = client.takeAll().map((r) => r.message);
  assert.equal(copies.length, 2, 'sent and retransmitted after ACK_TIMEOUT');
  assert.ok(copies.every((m) => m.type === MessageType.CON && m.messageId === acked.value && m.token.toString() === 't1'));
  client.send(server.local, { type: MessageType.ACK, code: 0, messageId: acked.value });
  await w.advance(10_000);
  assert.deepEqual(client.takeAll(), [], 'the ACK stopped retransmission');
  const reset = server.send(client.address, { code: Code.CONTENT }, outcome('b'));
  assert.ok(reset.ok);
  assert.notEqual(reset.value, acked.value);
  client.send(server.local, { type: MessageType.RST, code: 0, messageId: reset.value });
  await w.advance(1);
  const silent = server.send(client.address, { code: Code.CONTENT }, outcome('c'));
  assert.ok(silent.ok);
  await w.advance(100_000);
  assert.deepEqual(log, ['a ack', 'b reset', `c timeout @${10_000 + 2001 + 62_000}`]);
  assert.equal(server.stats().transmissions, 0);
  await assertNoLeaks(w.clock, server);
  await client.close();
});

test('send() refuses what is not a response, over-long tokens, and a closed endpoint, without throwing', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const to = { address: '10.9.9.9', port: 5683 };
  for (const bad of [{ code: Code.GET }, { code: 0 }, { code: Code.CONTENT, token: Buffer.alloc(9) }]) {
    const r = server.send(to, bad);
    assert.ok(!r.ok && isRequestError(r.error, 'invalid'), `refused: ${JSON.stringify(bad)}`);
  }
  assert.equal(server.stats().peers, 0, 'a refused message creates no peer state');
  await server.close();
  const closed = server.send(to, { code: Code.CONTENT });
  assert.ok(!closed.ok && isRequestError(closed.error, 'closed'));
  assert.equal(w.clock.pendingTimers, 0);
});
