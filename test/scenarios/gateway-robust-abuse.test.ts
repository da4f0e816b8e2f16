// Gateway scenario (issue #5, SPEC §5 Secure): floods without a session get small answers, bounded state; accounts stay apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, encode, getUintOption, makeOptions, type Message } from '../../src/coap/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';
import { describe, type ScriptedPeer } from '../support/scripted-peer.js';

type OptionList = ReadonlyArray<readonly [number, Buffer | string | number]>;

function request(messageId: number, code: number, options: OptionList, payload: Buffer | string = '', type: 0 | 1 = MessageType.CON, token = Buffer.from([messageId & 0xff])): Buffer {
  return encode({ type, code, messageId, token, options: makeOptions(options), payload: typeof payload === 'string' ? Buffer.from(payload) : payload });
}

async function ask(w: GatewayWorld, p: ScriptedPeer, datagram: Buffer): Promise<Message> {
  p.send(GATEWAY, datagram);
  for (let waited = 0; waited < 5000; waited += 10) {
    await w.clock.advanceAsync(10, 5);
    const answer = p.received.find((r) => r.message.code !== 0);
    if (answer !== undefined) {
      p.takeAll();
      if (answer.message.type === MessageType.CON) p.send(GATEWAY, { type: MessageType.ACK, code: 0, messageId: answer.message.messageId });
      return answer.message;
    }
  }
  assert.fail(`no answer to ${datagram.toString('hex')}`);
}

test('a client without a session gets no answer larger than three times its request, whatever it sends (RFC 7252 §11.3, R96)', async () => {
  const w = await GatewayWorld.create();
  const p = w.scripted();
  const dev = w.device(0).identity.name;
  const requests: Array<[string, Buffer]> = [
    ['bare GET', request(1, Code.GET, [])],
    ['GET /help', request(2, Code.GET, [[OptionNumber.URI_PATH, 'help']])],
    ['GET /.well-known/core', request(3, Code.GET, [[OptionNumber.URI_PATH, '.well-known'], [OptionNumber.URI_PATH, 'core']])],
    ['GET /nope', request(4, Code.GET, [[OptionNumber.URI_PATH, 'nope']])],
    ['PUT /help', request(5, Code.PUT, [[OptionNumber.URI_PATH, 'help']])],
    ['critical unknown option', request(6, Code.GET, [[OptionNumber.URI_PATH, 'help'], [2049, 'x']])],
    ['POST /echo', request(7, Code.POST, [[OptionNumber.URI_PATH, 'echo']], 'e'.repeat(500))],
    ['POST /sessions garbage', request(8, Code.POST, [[OptionNumber.URI_PATH, 'sessions']], 'g')],
    ['POST /sessions wrong format', request(9, Code.POST, [[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.CONTENT_FORMAT, 50]], 'g')],
    ['DELETE /sessions', request(10, Code.DELETE, [[OptionNumber.URI_PATH, 'sessions']])],
    ['proxied, Proxy-Scheme only', request(11, Code.GET, [[OptionNumber.URI_HOST, dev], [OptionNumber.PROXY_SCHEME, 'coap']])],
    ['proxied, short Proxy-Uri', request(12, Code.GET, [[OptionNumber.PROXY_URI, 'coap://a']], '', MessageType.CON, Buffer.alloc(0))],
    ['proxied, bad Proxy-Uri', request(13, Code.GET, [[OptionNumber.PROXY_URI, 'x']])],
    ['Hop-Limit 1', request(14, Code.GET, [[OptionNumber.HOP_LIMIT, 1], [OptionNumber.PROXY_URI, 'coap://a']])],
    ['Hop-Limit 0', request(15, Code.GET, [[OptionNumber.HOP_LIMIT, Buffer.from([0])], [OptionNumber.PROXY_URI, 'coap://a']])],
    ['NON proxied', request(16, Code.GET, [[OptionNumber.PROXY_URI, 'coap://a']], '', MessageType.NON)],
    ['Block1 out of order', request(17, Code.POST, [[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.BLOCK1, Buffer.from([0x30])]], 'x'.repeat(16))],
  ];
  const oversized: string[] = [];
  for (const [why, datagram] of requests) {
    const message = await ask(w, p, datagram);
    const answer = encode(message);
    // The one exception: content in the smallest Block2 slice (16 bytes, SZX 0) CoAP can send (RFC 7959 §2.2).
    const smallestBlock = message.code === Code.CONTENT && (getUintOption(message.options, OptionNumber.BLOCK2) ?? -1) % 8 === 0 && message.payload.length <= 16;
    if (answer.length > 3 * datagram.length && !smallestBlock) oversized.push(`${why}: ${datagram.length} B -> ${answer.length} B (${describe(message)})`);
  }
  assert.deepEqual(oversized, [], 'amplification above 3x');
  await w.leakCheck();
});

test('a flood of distinct message IDs from one socket keeps deduplication state bounded and others served', async () => {
  const w = await GatewayWorld.create();
  const attacker = w.scripted();
  const legit = w.client();
  assert.equal((await w.login(legit)).code, Code.CREATED);
  const bound = 4096;
  for (let i = 0; i < 3 * bound; i++) {
    attacker.send(GATEWAY, request(i, Code.GET, [[OptionNumber.PROXY_URI, 'coap://x']], '', i % 2 === 0 ? MessageType.CON : MessageType.NON));
    if (i % 500 === 0) await w.clock.advanceAsync(1, 1);
  }
  await w.clock.advanceAsync(100, 10);
  const stats = w.downstream.stats();
  assert.ok(stats.dedupEntries <= bound + 10, `dedup entries ${stats.dedupEntries}`);
  assert.ok(attacker.takeAll().length > 2 * bound, 'the attacker got its (small) answers');
  const r = await w.run(legit.request(GATEWAY, w.proxied('/time')));
  assert.equal(r.code, Code.CONTENT);
  await w.leakCheck();
});

test('one account can neither end nor use nor move another account session (SPEC §5 Secure)', async () => {
  const w = await GatewayWorld.create();
  const alice = w.client();
  const bob = w.scripted();
  const reader = w.client();
  assert.equal((await w.login(alice, 'all:alice', true)).code, Code.CREATED);
  // bob logs in on his own socket; his DELETE closes his session only
  assert.equal((await ask(w, bob, request(1, Code.POST, [[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.URI_QUERY, 'sticky=true']], 'all:bob'))).code, Code.CREATED);
  assert.equal((await ask(w, bob, request(2, Code.DELETE, [[OptionNumber.URI_PATH, 'sessions']]))).code, Code.DELETED);
  assert.equal((await ask(w, bob, request(3, Code.DELETE, [[OptionNumber.URI_PATH, 'sessions']]))).code, Code.PRECONDITION_FAILED);
  // a sticky login of another account never moves alice's session
  assert.equal((await ask(w, bob, request(4, Code.POST, [[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.URI_QUERY, 'sticky=true']], 'all:bob'))).code, Code.CREATED);
  assert.equal((await w.run(alice.request(GATEWAY, w.proxied('/time')))).code, Code.CONTENT, 'alice still has her session');
  // there is no way to list sessions: GET /sessions is 4.05
  const list = await ask(w, bob, request(5, Code.GET, [[OptionNumber.URI_PATH, 'sessions']]));
  assert.equal(list.code, Code.METHOD_NOT_ALLOWED);
  assert.doesNotMatch(list.payload.toString(), /alice/);
  // a read-only account never gets what alice PUT or cached beyond its permissions
  assert.equal((await w.login(reader, 'read:rita')).code, Code.CREATED);
  const put = await w.run(reader.request(GATEWAY, w.proxied('/gpio', { code: Code.PUT, payload: '1' })));
  assert.equal(put.code, Code.UNAUTHORIZED);
  assert.match(put.payload.toString(), /rita may not PUT/);
  assert.doesNotMatch(put.payload.toString(), /alice/);
  await w.leakCheck();
});

test('per-client rate limit: beyond the burst a client gets 4.29 with Max-Age, others are not affected (R99, RFC 8516)', async () => {
  const w = await GatewayWorld.create({ settings: { clientRequestsPerSec: 5, clientBurst: 10 } });
  const greedy = w.scripted();
  const calm = w.client();
  assert.equal((await ask(w, greedy, request(1, Code.POST, [[OptionNumber.URI_PATH, 'sessions']], 'all:greedy'))).code, Code.CREATED);
  assert.equal((await w.login(calm, 'all:calm')).code, Code.CREATED);
  const uri = `coap://${w.device(0).identity.name}/time`;
  for (let i = 0; i < 30; i++) greedy.send(GATEWAY, request(100 + i, Code.GET, [[OptionNumber.PROXY_URI, uri]], '', MessageType.NON, Buffer.from([i])));
  await w.clock.advanceAsync(200, 10);
  const answers = greedy.takeAll().map((r) => r.message);
  const limited = answers.filter((m) => m.code === Code.TOO_MANY_REQUESTS);
  const served = answers.filter((m) => m.code === Code.CONTENT);
  assert.equal(served.length + limited.length, 30, answers.map(describe).join(', '));
  assert.ok(served.length >= 10 && served.length <= 12, `served ${served.length}`);
  for (const m of limited) {
    const maxAge = getUintOption(m.options, OptionNumber.MAX_AGE);
    assert.ok(maxAge !== undefined && maxAge >= 1, 'Max-Age says when to retry');
  }
  assert.equal((await w.run(calm.request(GATEWAY, w.proxied('/time')))).code, Code.CONTENT, 'another client is unaffected');
  // tokens come back with time
  await w.clock.advanceAsync(2000, 100);
  assert.equal((await ask(w, greedy, request(200, Code.GET, [[OptionNumber.PROXY_URI, uri]]))).code, Code.CONTENT);
  await w.leakCheck();
});
