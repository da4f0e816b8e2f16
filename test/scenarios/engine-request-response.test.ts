// Engine scenarios: piggybacked and separate responses, NON, tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, getOption, makeOptions, OptionNumber } from '../../src/coap/index.js';
import { isRequestError, type ServerExchange } from '../../src/engine/index.js';
import { EngineWorld } from '../support/engine-world.js';
import { assertNoLeaks } from '../support/leak-check.js';

test('CON request answered within the window is piggybacked; options pass through as given', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.endpoint();
  const seen: number[] = [];
  w.network.tap((d) => {
    seen.push(d.data[0] as number);
  });
  server.serve((ex) => {
    assert.equal(ex.request.code, Code.GET);
    ex.respond({ code: Code.CONTENT, options: ex.request.options, payload: Buffer.from('hi') });
  });
  const unknown = { number: 2048, value: Buffer.from([0xde, 0xad]) };
  const response = await w.run(client.request(server.local, { code: Code.GET, options: [...makeOptions([[OptionNumber.URI_PATH, 'time']]), unknown] }));
  assert.equal(response.type, MessageType.ACK);
  assert.equal(response.code, Code.CONTENT);
  assert.equal(response.payload.toString(), 'hi');
  assert.deepEqual(getOption(response, 2048), Buffer.from([0xde, 0xad]));
  assert.equal(seen.length, 2, 'one request, one piggybacked ACK');
  await assertNoLeaks(w.clock, client, server);
});

test('a slow handler gets an empty ACK after the window, then a CON response that the client ACKs', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.endpoint();
  const log: string[] = [];
  w.network.tap((d) => {
    const type = ['CON', 'NON', 'ACK', 'RST'][((d.data[0] as number) >> 4) & 3] as string;
    log.push(`${w.clock.now()} ${d.from.address === server.local.address ? 'S' : 'C'} ${type} ${d.data[1]}`);
  });
  server.serve((ex) => {
    w.clock.setTimer(() => ex.respond({ code: Code.CONTENT, payload: Buffer.from('late') }), 2000);
  });
  const p = client.request(server.local, { code: Code.GET });
  await w.advance(2000);
  const r = await p;
  assert.equal(r.type, MessageType.CON);
  assert.equal(r.payload.toString(), 'late');
  assert.deepEqual(log, ['0 C CON 1', '500 S ACK 0', '2000 S CON 69', '2000 C ACK 0']);
  assert.equal(server.stats().transmissions, 0, 'the ACK ended the separate response');
  await assertNoLeaks(w.clock, client, server);
});

test('accept() sends the empty ACK at once; a NON request gets a NON response', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.endpoint();
  const types: number[] = [];
  w.network.tap((d) => {
    types.push(((d.data[0] as number) >> 4) & 3);
  });
  server.serve((ex) => {
    ex.accept();
    w.clock.setTimer(() => ex.respond({ code: Code.CHANGED }), 100);
  });
  const p = client.request(server.local, { code: Code.PUT, payload: Buffer.from('x') });
  await w.advance(1);
  assert.deepEqual(types, [MessageType.CON, MessageType.ACK]);
  await w.advance(99);
  assert.equal((await p).code, Code.CHANGED);
  types.length = 0;
  const n = client.request(server.local, { type: MessageType.NON, code: Code.GET });
  await w.advance(100);
  const r = await n;
  assert.equal(r.type, MessageType.NON);
  assert.deepEqual(types, [MessageType.NON, MessageType.NON], 'no ACK anywhere');
  await assertNoLeaks(w.clock, client, server);
});

test('tokens: random, of the configured length, echoed; a given token is used as is', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.endpoint({ limits: { tokenLength: 4 } });
  const tokens: string[] = [];
  server.serve((ex) => {
    tokens.push(ex.request.token.toString('hex'));
    ex.respond({ code: Code.CONTENT });
  });
  const a = await w.run(client.request(server.local, { code: Code.GET }));
  const b = await w.run(client.request(server.local, { code: Code.GET, token: Buffer.from('cafe') }));
  assert.equal(a.token.length, 4);
  assert.equal(tokens[0], a.token.toString('hex'));
  assert.equal(b.token.toString(), 'cafe');
  const bad = client.request(server.local, { code: Code.GET, token: Buffer.alloc(9) });
  await assert.rejects(bad, (e) => isRequestError(e, 'invalid'));
  const notRequest = client.request(server.local, { code: Code.CONTENT });
  await assert.rejects(notRequest, (e) => isRequestError(e, 'invalid'));
  await assertNoLeaks(w.clock, client, server);
});

test('drop() ends an exchange without a response: a CON still gets its empty ACK (again for duplicates), a NON nothing (RFC 7967)', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.scripted();
  const held: ServerExchange[] = [];
  let calls = 0;
  server.serve((ex) => {
    calls++;
    if (ex.request.payload.toString() === 'now') ex.drop();
    else held.push(ex);
  });
  const tok = Buffer.from([0x2a]);
  client.send(server.local, { type: MessageType.CON, code: Code.POST, messageId: 7, token: tok, payload: 'now' });
  await w.advance(1);
  const ack = client.takeOne();
  assert.equal(ack.type, MessageType.ACK);
  assert.equal(ack.code, 0, 'empty ACK, no response');
  assert.equal(ack.messageId, 7);
  assert.equal(server.stats().serverExchanges, 0, 'the exchange is freed');
  client.send(server.local, { type: MessageType.CON, code: Code.POST, messageId: 7, token: tok, payload: 'now' });
  await w.advance(1);
  const again = client.takeOne();
  assert.deepEqual([again.type, again.code, again.messageId], [MessageType.ACK, 0, 7], 'a duplicate gets the empty ACK again');
  assert.equal(calls, 1, 'the duplicate is not handled twice');
  // a CON already ACKed after the piggyback window: drop() sends nothing more
  client.send(server.local, { type: MessageType.CON, code: Code.POST, messageId: 8, token: tok, payload: 'later' });
  await w.advance(1000);
  assert.equal(client.takeOne().code, 0);
  const slow = held.shift();
  assert.ok(slow !== undefined && slow.open);
  slow.drop();
  assert.equal(slow.open, false);
  slow.respond({ code: Code.CHANGED });
  // a NON: nothing at all
  client.send(server.local, { type: MessageType.NON, code: Code.POST, messageId: 9, token: tok, payload: 'now' });
  await w.advance(1000);
  assert.deepEqual(client.takeAll(), [], 'no response after drop(), none for the NON');
  assert.equal(server.stats().serverExchanges, 0);
  await assertNoLeaks(w.clock, server);
  await client.close();
});

test('requestWith: the listener hears exactly one outcome: a response, a timeout, or an immediate refusal', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const client = w.endpoint();
  server.serve((ex) => {
    if (ex.request.options.length === 0) ex.respond({ code: Code.CONTENT, payload: Buffer.from('ok') });
    // anything with options is only acknowledged, never answered: the client's deadline ends it
    else ex.drop();
  });
  const heard: string[] = [];
  const listener = (name: string) => ({
    onResponse: (m: { code: number; payload: Buffer }) => heard.push(`${name}: ${m.code} ${m.payload.toString()}`),
    onError: (e: Error) => heard.push(`${name}: ${isRequestError(e) ? e.kind : 'other'}`),
  });
  client.requestWith(server.local, { code: Code.GET }, listener('a'));
  client.requestWith(server.local, { code: Code.GET, options: makeOptions([[OptionNumber.URI_PATH, 'slow']]) }, listener('b'), { timeoutMs: 3000 });
  client.requestWith(server.local, { code: Code.GET, token: Buffer.alloc(9) }, listener('c'));
  assert.deepEqual(heard, ['c: invalid'], 'a refused request is told synchronously');
  await w.clock.advanceAsync(10_000, 100);
  assert.deepEqual(heard, ['c: invalid', `a: ${Code.CONTENT} ok`, 'b: timeout']);
  await assertNoLeaks(w.clock, client, server);
});
