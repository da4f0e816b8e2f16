// Engine scenarios: CON retransmission timing, ACK/RST, timeouts, NSTART, ping, events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType } from '../../src/coap/index.js';
import { engineEvents, isRequestError } from '../../src/engine/index.js';
import { EngineWorld, fixedFloatRandom } from '../support/engine-world.js';
import { assertNoLeaks } from '../support/leak-check.js';

// RFC 7252 §4.2/§4.8: resends at T0, 3T0, 7T0, 15T0, give-up at 31T0, T0 in [ACK_TIMEOUT, 1.5 ACK_TIMEOUT].
for (const [float, t0] of [
  [0, 2000],
  [1, 3000],
  [0.5, 2500],
] as const) {
  test(`CON retransmission schedule with T0 = ${t0} ms, give-up after MAX_RETRANSMIT`, async () => {
    const w = new EngineWorld();
    const client = w.endpoint({ random: fixedFloatRandom(float) });
    const silent = w.scripted();
    const p = client.request(silent.address, { code: Code.GET });
    await w.run(p.catch(() => undefined));
    const sends = silent.takeAll();
    assert.deepEqual(
      sends.map((r) => r.at),
      [0, t0, 3 * t0, 7 * t0, 15 * t0],
    );
    assert.ok(sends.every((r) => r.message.messageId === sends[0]?.message.messageId), 'same message ID on every resend');
    await assert.rejects(p, (e) => isRequestError(e, 'timeout'));
    assert.equal(w.clock.now(), 31 * t0, 'gives up at 31 T0');
    if (float === 1) assert.equal(w.clock.now(), client.timing.maxTransmitWaitMs, 'the worst case is MAX_TRANSMIT_WAIT');
    await assertNoLeaks(w.clock, client);
    await silent.close();
  });
}

test('timing is configurable: ACK_TIMEOUT 100 ms, MAX_RETRANSMIT 2', async () => {
  const w = new EngineWorld();
  const client = w.endpoint({ timing: { ackTimeoutMs: 100, maxRetransmit: 2 } });
  const silent = w.scripted();
  const p = client.request(silent.address, { code: Code.GET });
  await w.run(p.catch(() => undefined));
  assert.deepEqual(silent.takeAll().map((r) => r.at), [0, 100, 300]);
  assert.equal(w.clock.now(), 700);
  await assert.rejects(p, (e) => isRequestError(e, 'timeout'));
  assert.equal(client.timing.exchangeLifetimeMs, 100 * 3 * 1.5 + 200_000 + 100);
  await assertNoLeaks(w.clock, client);
});

test('an empty ACK stops retransmission; the separate response completes it and is ACKed', async () => {
  const w = new EngineWorld();
  const client = w.endpoint();
  const server = w.scripted();
  const p = client.request(server.address, { code: Code.GET });
  await w.advance(2000);
  const [first, second] = server.takeAll();
  assert.ok(first !== undefined && second !== undefined, 'the request and one resend');
  const req = first.message;
  server.send(client.local, { type: MessageType.ACK, code: 0, messageId: req.messageId });
  await w.advance(60_000);
  assert.deepEqual(server.takeAll(), [], 'no more resends after the ACK');
  server.send(client.local, { type: MessageType.CON, code: Code.CONTENT, messageId: 7, token: req.token, payload: 'v' });
  const r = await w.run(p);
  assert.equal(r.payload.toString(), 'v');
  const ack = server.takeOne();
  assert.equal(ack.type, MessageType.ACK);
  assert.equal(ack.messageId, 7);
  // A duplicate of the CON response gets the same ACK again (RFC 7252 §4.5) and nothing else.
  server.send(client.local, { type: MessageType.CON, code: Code.CONTENT, messageId: 7, token: req.token, payload: 'v' });
  await w.advance(1);
  assert.equal(server.takeOne().messageId, 7);
  await assertNoLeaks(w.clock, client);
});

test('a separate response whose ACK was lost also ends the retransmission of the request', async () => {
  const w = new EngineWorld();
  const client = w.endpoint();
  const server = w.scripted();
  const p = client.request(server.address, { code: Code.GET });
  await w.advance(1);
  const req = server.takeOne();
  server.send(client.local, { type: MessageType.NON, code: Code.CONTENT, messageId: 9, token: req.token });
  await w.run(p);
  await w.advance(100_000);
  assert.deepEqual(server.takeAll(), [], 'no resend, no ACK for a NON response');
  await assertNoLeaks(w.clock, client);
});

test('RST to a request rejects it with kind reset; RST to a NON request too', async () => {
  const w = new EngineWorld();
  const client = w.endpoint();
  const server = w.scripted();
  const p = client.request(server.address, { code: Code.GET });
  await w.advance(1);
  server.send(client.local, { type: MessageType.RST, code: 0, messageId: server.takeOne().messageId });
  await assert.rejects(w.run(p), (e) => isRequestError(e, 'reset'));
  const n = client.request(server.address, { type: MessageType.NON, code: Code.GET }, { timeoutMs: 5000 });
  await w.advance(1);
  server.send(client.local, { type: MessageType.RST, code: 0, messageId: server.takeOne().messageId });
  await assert.rejects(w.run(n), (e) => isRequestError(e, 'reset'));
  await assertNoLeaks(w.clock, client);
});

test('NON request without answer times out after timeoutMs; abort cancels; close rejects with closed', async () => {
  const w = new EngineWorld();
  const client = w.endpoint();
  const server = w.scripted();
  const n = client.request(server.address, { type: MessageType.NON, code: Code.GET }, { timeoutMs: 5000 });
  await assert.rejects(w.run(n), (e) => isRequestError(e, 'timeout'));
  assert.equal(w.clock.now(), 5000);
  const ac = new AbortController();
  const c = client.request(server.address, { code: Code.GET }, { signal: ac.signal });
  await w.advance(10);
  ac.abort();
  await assert.rejects(c, (e) => isRequestError(e, 'cancelled'));
  assert.equal(client.stats().transmissions, 0);
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(client.request(server.address, { code: Code.GET }, { signal: pre.signal }), (e) => isRequestError(e, 'cancelled'));
  const pending = client.request(server.address, { code: Code.GET });
  await w.advance(10);
  await client.close();
  await assert.rejects(pending, (e) => isRequestError(e, 'closed'));
  await assert.rejects(client.request(server.address, { code: Code.GET }), (e) => isRequestError(e, 'closed'));
  assert.equal(w.clock.pendingTimers, 0);
  await server.close();
});

test('NSTART 1: a second request to the same peer waits until the first is answered', async () => {
  const w = new EngineWorld();
  const client = w.endpoint();
  const server = w.scripted();
  const other = w.scripted();
  const a = client.request(server.address, { code: Code.GET });
  const b = client.request(server.address, { code: Code.GET });
  const c = client.request(other.address, { code: Code.GET });
  await w.advance(1);
  assert.equal(client.stats().queued, 1);
  const first = server.takeOne();
  assert.equal(other.takeAll().length, 1, 'another peer is not held up');
  server.send(client.local, { type: MessageType.ACK, code: Code.CONTENT, messageId: first.messageId, token: first.token });
  await w.run(a);
  await w.advance(1);
  const second = server.takeOne();
  assert.notEqual(second.messageId, first.messageId);
  assert.notDeepEqual(second.token, first.token);
  server.send(client.local, { type: MessageType.ACK, code: Code.CONTENT, messageId: second.messageId, token: second.token });
  await w.run(b);
  await assert.rejects(w.run(c), (e) => isRequestError(e, 'timeout'));
  await assertNoLeaks(w.clock, client);
});

test('a piggybacked response with a wrong token is only an ACK; the right separate response still matches', async () => {
  const w = new EngineWorld();
  const client = w.endpoint();
  const server = w.scripted();
  const p = client.request(server.address, { code: Code.GET });
  await w.advance(1);
  const req = server.takeOne();
  server.send(client.local, { type: MessageType.ACK, code: Code.CONTENT, messageId: req.messageId, token: Buffer.from('zz'), payload: 'wrong' });
  await w.advance(10_000);
  assert.deepEqual(server.takeAll(), [], 'the ACK stopped retransmission');
  server.send(client.local, { type: MessageType.NON, code: Code.CONTENT, messageId: 1, token: req.token, payload: 'right' });
  assert.equal((await w.run(p)).payload.toString(), 'right');
  await assertNoLeaks(w.clock, client);
});

test('ping: empty CON answered by RST resolves with the round trip', async () => {
  const w = new EngineWorld();
  const a = w.endpoint();
  const b = w.endpoint();
  w.network.setPath(a.local.address, b.local.address, { delayMs: 40 });
  const rtt = await w.run(a.ping(b.local));
  assert.equal(rtt, 80);
  const silent = w.scripted();
  await assert.rejects(w.run(a.ping(silent.address)), (e) => isRequestError(e, 'timeout'));
  assert.equal(silent.takeAll().length, 5);
  await assertNoLeaks(w.clock, a, b);
});

test('ping honours timeoutMs: rejects with timeout at the deadline, stops retransmitting, leaves nothing behind', async () => {
  const w = new EngineWorld();
  const a = w.endpoint();
  const silent = w.scripted();
  await assert.rejects(w.run(a.ping(silent.address, { timeoutMs: 3000 })), (e) => isRequestError(e, 'timeout'));
  assert.equal(w.clock.now(), 3000, 'rejected at the deadline, not after MAX_RETRANSMIT');
  assert.deepEqual(silent.takeAll().map((r) => r.at), [0, 2000], 'the ping and one retransmission');
  assert.equal(a.stats().transmissions, 0);
  await w.advance(120_000);
  assert.equal(silent.takeAll().length, 0, 'nothing sent after the deadline');
  // an abort before the deadline wins, with kind cancelled; the deadline timer goes with it
  const controller = new AbortController();
  const aborted = a.ping(silent.address, { timeoutMs: 60_000, signal: controller.signal });
  await w.advance(100);
  controller.abort();
  await assert.rejects(aborted, (e) => isRequestError(e, 'cancelled'));
  assert.equal(a.stats().transmissions, 0);
  // a live peer within the deadline still resolves with the round trip
  const b = w.endpoint();
  assert.equal(await w.run(a.ping(b.local, { timeoutMs: 3000 })), 0);
  await assertNoLeaks(w.clock, a, b);
  await silent.close();
});

test('engine events report retransmissions, give-ups, duplicates and malformed datagrams', async () => {
  const w = new EngineWorld();
  const client = w.endpoint();
  const server = w.endpoint();
  const silent = w.scripted();
  server.serve((ex) => ex.respond({ code: Code.CONTENT }));
  const seen: string[] = [];
  const mine = (local: { port: number; address: string }) => local.address === client.local.address || local.address === server.local.address;
  const unsubscribe = [
    engineEvents.retransmit.subscribe((e) => mine(e.local) && seen.push(`retransmit ${e.attempt}`)),
    engineEvents.giveUp.subscribe((e) => mine(e.local) && seen.push('give-up')),
    engineEvents.duplicate.subscribe((e) => mine(e.local) && seen.push(`duplicate ${e.replayed}`)),
    engineEvents.malformed.subscribe((e) => mine(e.local) && seen.push(`malformed ${e.kind} ${e.reset}`)),
  ];
  try {
    await w.run(client.request(silent.address, { code: Code.GET }).catch(() => undefined));
    silent.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1 });
    silent.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1 });
    silent.send(server.local, Buffer.from('40010002ff', 'hex'));
    await w.advance(1);
    assert.deepEqual(seen, ['retransmit 1', 'retransmit 2', 'retransmit 3', 'retransmit 4', 'give-up', 'duplicate true', 'malformed empty-payload true']);
  } finally {
    for (const u of unsubscribe) u();
  }
  await assertNoLeaks(w.clock, client, server);
});
