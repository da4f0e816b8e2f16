// Engine scenarios: malformed input, pings, unexpected messages, unknown critical options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType } from '../../src/coap/index.js';
import { EngineWorld } from '../support/engine-world.js';
import { assertNoLeaks } from '../support/leak-check.js';
import { describe } from '../support/scripted-peer.js';

test('malformed datagrams: RST for a readable CON header, silence otherwise; the server keeps serving (R01-R05)', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const raw = w.scripted();
  let calls = 0;
  server.serve((ex) => {
    calls++;
    ex.respond({ code: Code.CONTENT });
  });
  const cases: Array<[string, string, string[]]> = [
    ['version 2', '80010001', []],
    ['too short', '4001', []],
    ['TKL 9', '49010002' + '00'.repeat(9), ['RST 0.00 mid=2 tok=']],
    ['payload marker without payload', '40010003ff', ['RST 0.00 mid=3 tok=']],
    ['option nibble 15', '40010004f0', ['RST 0.00 mid=4 tok=']],
    ['empty message with a token', '41000005aa', ['RST 0.00 mid=5 tok=']],
    ['malformed NON', '50010006ff', []],
    ['malformed ACK', '60010007ff', []],
    ['reserved class 1.xx CON', '40200008', ['RST 0.00 mid=8 tok=']],
  ];
  for (const [name, hex, expected] of cases) {
    raw.send(server.local, Buffer.from(hex, 'hex'));
    await w.advance(1000);
    assert.deepEqual(raw.takeAll().map((r) => describe(r.message)), expected, name);
  }
  assert.equal(calls, 0);
  raw.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 99 });
  await w.advance(1);
  assert.equal(raw.takeOne().code, Code.CONTENT, 'still serving');
  await assertNoLeaks(w.clock, server);
});

test('ping, stray ACK/RST, non-empty RST, empty NON, ACK carrying a request: only the ping is answered (R07, R09)', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const raw = w.scripted();
  server.serve(() => assert.fail('no request expected'));
  raw.send(server.local, { type: MessageType.CON, code: 0, messageId: 0x0102 });
  await w.advance(1);
  const rst = raw.takeAll();
  assert.equal(rst.length, 1);
  assert.equal(rst[0]?.raw.toString('hex'), '70000102', '4-byte RST with the same MID');
  raw.send(server.local, { type: MessageType.ACK, code: 0, messageId: 7 });
  raw.send(server.local, { type: MessageType.RST, code: 0, messageId: 8 });
  raw.send(server.local, { type: MessageType.RST, code: Code.CONTENT, messageId: 9 });
  raw.send(server.local, { type: MessageType.NON, code: 0, messageId: 10 });
  raw.send(server.local, { type: MessageType.ACK, code: Code.GET, messageId: 11 });
  await w.advance(1000);
  assert.deepEqual(raw.takeAll(), []);
  await assertNoLeaks(w.clock, server);
});

test('unexpected responses: CON gets RST, NON is ignored, NON notification gets RST (R25, RFC 7641 §3.6)', async () => {
  const w = new EngineWorld();
  const client = w.endpoint();
  const raw = w.scripted();
  raw.send(client.local, { type: MessageType.CON, code: Code.CONTENT, messageId: 1, token: Buffer.from([1]) });
  raw.send(client.local, { type: MessageType.NON, code: Code.CONTENT, messageId: 2, token: Buffer.from([1]) });
  raw.send(client.local, { type: MessageType.NON, code: Code.CONTENT, messageId: 3, token: Buffer.from([1]), options: [{ number: 6, value: Buffer.from([5]) }] });
  await w.advance(1);
  assert.deepEqual(raw.takeAll().map((r) => describe(r.message)), ['RST 0.00 mid=1 tok=', 'RST 0.00 mid=3 tok=']);
  await assertNoLeaks(w.clock, client);
});

test('unknown critical option: 4.02 piggybacked for CON, RST for NON; elective ones pass (RFC 7252 §5.4.1, R27)', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const raw = w.scripted();
  let calls = 0;
  server.serve((ex) => {
    calls++;
    ex.respond({ code: Code.CONTENT });
  });
  const crit = [{ number: 2049, value: Buffer.from('x') }];
  raw.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1, token: Buffer.from([7]), options: crit });
  raw.send(server.local, { type: MessageType.NON, code: Code.GET, messageId: 2, token: Buffer.from([7]), options: crit });
  raw.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 3, token: Buffer.from([7]), options: [{ number: 2048, value: Buffer.from('x') }] });
  await w.advance(1);
  const got = raw.takeAll().map((r) => r.message);
  assert.deepEqual(got.map(describe), ['ACK 4.02 mid=1 tok=07', 'RST 0.00 mid=2 tok=', 'ACK 2.05 mid=3 tok=07']);
  assert.match(got[0]?.payload.toString() ?? '', /2049/);
  assert.equal(calls, 1);
  await assertNoLeaks(w.clock, server);
});

test('rejectUnknownCritical: false hands unknown critical options to the handler byte-exact (proxy mode)', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const raw = w.scripted();
  const seen: string[] = [];
  server.serve(
    (ex) => {
      seen.push(ex.request.options.map((o) => `${o.number}=${o.value.toString('hex')}`).join(','));
      ex.respond({ code: Code.CONTENT, options: ex.request.options });
    },
    { rejectUnknownCritical: false },
  );
  raw.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1, options: [{ number: 2049, value: Buffer.from([1, 2]) }, { number: 65001, value: Buffer.alloc(0) }] });
  await w.advance(1);
  assert.deepEqual(seen, ['2049=0102,65001=']);
  assert.equal(raw.takeOne().options.length, 2);
  await assertNoLeaks(w.clock, server);
});

test('a throwing handler yields 5.00 without details; no handler means RST for CON', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const raw = w.scripted();
  raw.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1 });
  raw.send(server.local, { type: MessageType.NON, code: Code.GET, messageId: 2 });
  await w.advance(1);
  assert.deepEqual(raw.takeAll().map((r) => describe(r.message)), ['RST 0.00 mid=1 tok=']);
  server.serve(() => {
    throw new Error('secret stack');
  });
  raw.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 3 });
  await w.advance(1);
  const r = raw.takeOne();
  assert.equal(describe(r), 'ACK 5.00 mid=3 tok=');
  assert.equal(r.payload.length, 0);
  await assertNoLeaks(w.clock, server);
});

test('a second respond() is ignored and close() makes late responses no-ops', async () => {
  const w = new EngineWorld();
  const server = w.endpoint();
  const raw = w.scripted();
  let later: (() => void) | undefined;
  server.serve((ex) => {
    ex.respond({ code: Code.CONTENT });
    ex.respond({ code: Code.NOT_FOUND });
    later = () => ex.respond({ code: Code.CHANGED });
  });
  raw.send(server.local, { type: MessageType.CON, code: Code.GET, messageId: 1 });
  await w.advance(1);
  assert.equal(raw.takeOne().code, Code.CONTENT);
  await server.close();
  later?.();
  await w.advance(10);
  assert.deepEqual(raw.takeAll(), []);
  assert.equal(w.clock.pendingTimers, 0);
});
