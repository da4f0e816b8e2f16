// Engine scenarios: duplicate detection, replay, expiry and caps (RFC 7252 §4.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType } from '../../src/coap/index.js';
import type { ServerExchange } from '../../src/engine/index.js';
import { EngineWorld } from '../support/engine-world.js';
import { assertNoLeaks } from '../support/leak-check.js';
import { describe } from '../support/scripted-peer.js';

const tok = Buffer.from([0xca, 0xfe]);

test('duplicate CON to a slow handler: processed once, each copy re-ACKed, one separate response (R12, R15)', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.scripted();
  const exchanges: ServerExchange[] = [];
  server.serve((ex) => exchanges.push(ex));
  const req = { type: MessageType.CON, code: Code.GET, messageId: 0x1234, token: tok } as const;
  client.send(server.local, req);
  await w.advance(100);
  client.send(server.local, req); // within the window: nothing to replay yet
  await w.advance(400);
  assert.deepEqual(client.takeAll().map((r) => describe(r.message)), ['ACK 0.00 mid=4660 tok='], 'empty ACK at 500 ms');
  client.send(server.local, req);
  await w.advance(1);
  assert.deepEqual(client.takeAll().map((r) => describe(r.message)), ['ACK 0.00 mid=4660 tok='], 'the duplicate gets the stored empty ACK');
  assert.equal(exchanges.length, 1, 'the handler saw the request once');
  (exchanges[0] as ServerExchange).respond({ code: Code.CONTENT, payload: Buffer.from('x') });
  await w.advance(1);
  const response = client.takeOne();
  assert.equal(response.type, MessageType.CON);
  assert.deepEqual(response.token, tok);
  client.send(server.local, { type: MessageType.ACK, code: 0, messageId: response.messageId });
  await w.advance(1);
  // R15: after the separate response was ACKed, a late duplicate still only gets the empty ACK.
  client.send(server.local, req);
  await w.advance(100_000);
  assert.deepEqual(client.takeAll().map((r) => describe(r.message)), ['ACK 0.00 mid=4660 tok=']);
  assert.equal(exchanges.length, 1);
  await assertNoLeaks(w.clock, server);
});

test('duplicate CON after a piggybacked response gets the same response bytes; duplicate NON is ignored', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.scripted();
  let calls = 0;
  server.serve((ex) => {
    calls++;
    ex.respond({ code: Code.CONTENT, payload: Buffer.from(`n${calls}`) });
  });
  const req = { type: MessageType.CON, code: Code.GET, messageId: 1, token: tok } as const;
  client.send(server.local, req);
  await w.advance(1);
  client.send(server.local, req);
  await w.advance(1);
  const [a, b] = client.takeAll();
  assert.ok(a !== undefined && b !== undefined);
  assert.deepEqual(a.raw, b.raw, 'byte-identical replay');
  assert.equal(a.message.payload.toString(), 'n1');
  const non = { type: MessageType.NON, code: Code.GET, messageId: 2, token: tok } as const;
  client.send(server.local, non);
  client.send(server.local, non);
  await w.advance(1);
  assert.equal(client.takeAll().length, 1);
  assert.equal(calls, 2);
  await assertNoLeaks(w.clock, server);
});

test('the same message ID with another token is a new message (fast clients that wrap the ID space)', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.scripted();
  const payloads: string[] = [];
  server.serve((ex) => {
    payloads.push(ex.request.payload.toString());
    ex.respond({ code: Code.CHANGED });
  });
  client.send(server.local, { type: MessageType.CON, code: Code.PUT, messageId: 5, token: Buffer.from([1]), payload: 'a' });
  client.send(server.local, { type: MessageType.CON, code: Code.PUT, messageId: 5, token: Buffer.from([2]), payload: 'b' });
  client.send(server.local, { type: MessageType.CON, code: Code.PUT, messageId: 5, token: Buffer.from([2]), payload: 'b' });
  await w.advance(1);
  assert.deepEqual(payloads, ['a', 'b']);
  assert.equal(client.takeAll().length, 3);
  await assertNoLeaks(w.clock, server);
});

test('dedup entries expire after EXCHANGE_LIFETIME (CON) and NON_LIFETIME (NON)', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.scripted();
  let calls = 0;
  server.serve((ex) => {
    calls++;
    ex.respond({ code: Code.CONTENT });
  });
  const con = { type: MessageType.CON, code: Code.GET, messageId: 10, token: tok } as const;
  const non = { type: MessageType.NON, code: Code.GET, messageId: 11, token: tok } as const;
  client.send(server.local, con);
  client.send(server.local, non);
  await w.advance(1);
  assert.equal(server.stats().dedupEntries, 2);
  await w.advance(server.timing.nonLifetimeMs - 1);
  assert.equal(server.stats().dedupEntries, 1, 'the NON entry expired at NON_LIFETIME');
  client.send(server.local, con);
  await w.advance(1);
  assert.equal(calls, 2, 'still a duplicate');
  await w.advance(server.timing.exchangeLifetimeMs - server.timing.nonLifetimeMs);
  assert.equal(server.stats().dedupEntries, 0);
  client.send(server.local, con);
  await w.advance(1);
  assert.equal(calls, 3, 'after EXCHANGE_LIFETIME the same ID is new');
  await assertNoLeaks(w.clock, server);
});

test('dedup memory is bounded per peer and in total; the oldest entries go first', async () => {
  const w = new EngineWorld();
  const server = w.endpoint({ limits: { dedupPerPeer: 8, dedupTotal: 12 } });
  const a = w.scripted();
  const b = w.scripted();
  let calls = 0;
  server.serve((ex) => {
    calls++;
    ex.respond({ code: Code.CONTENT });
  });
  for (let mid = 0; mid < 20; mid++) a.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: mid, token: tok });
  await w.advance(1);
  assert.equal(server.stats().dedupEntries, 8);
  for (let mid = 0; mid < 6; mid++) b.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: mid, token: tok });
  await w.advance(1);
  assert.equal(server.stats().dedupEntries, 12);
  calls = 0;
  a.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 19, token: tok });
  a.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 0, token: tok });
  await w.advance(1);
  assert.equal(calls, 1, 'mid 19 is remembered, mid 0 was evicted');
  await assertNoLeaks(w.clock, server);
});
