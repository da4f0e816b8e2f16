// Gateway scenario (issue #5, SPEC §5 Robust): hostile datagrams and options never crash or stall the gateway; bad ones get the RFC's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Code, MessageType, OptionNumber, encode, encodeBlock, getUintOption, makeOptions, type Message } from '../../src/coap/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';
import { describe, makeMessage, type ScriptedPeer } from '../support/scripted-peer.js';

type OptionList = ReadonlyArray<readonly [number, Buffer | string | number]>;

let nextMid = 1;

async function send(w: GatewayWorld, p: ScriptedPeer, code: number, options: OptionList, payload: Buffer | string = Buffer.alloc(0)): Promise<Message> {
  const messageId = nextMid++ & 0xffff;
  p.send(GATEWAY, { type: MessageType.CON, code, messageId, token: Buffer.from([messageId & 0xff, 0x77]), options: makeOptions(options), payload });
  const got: Message[] = [];
  for (let waited = 0; waited < 5000 && !got.some((m) => m.code !== 0); waited += 10) {
    await w.clock.advanceAsync(10, 5);
    got.push(...p.takeAll().map((r) => r.message));
  }
  // A separate response may follow an empty ACK: the last message is the answer.
  const answer = got.filter((m) => m.code !== 0).at(-1);
  assert.ok(answer, `no answer, got: ${got.map(describe).join(', ')}`);
  if (answer.type === MessageType.CON) p.send(GATEWAY, { type: MessageType.ACK, code: 0, messageId: answer.messageId });
  return answer;
}

async function loggedIn(w: GatewayWorld, token = 'all:mallory'): Promise<ScriptedPeer> {
  const p = w.scripted();
  const r = await send(w, p, Code.POST, [[OptionNumber.URI_PATH, 'sessions']], token);
  assert.equal(r.code, Code.CREATED);
  return p;
}

/** Gateway-made 5.00s: the error boundary's text or the engine's bare one (a device's 5.00 says "internal error"). */
function isGatewayInternalError(m: Message): boolean {
  return m.code === Code.INTERNAL_SERVER_ERROR && m.payload.toString() !== 'internal error';
}

test('fuzz: garbage, truncated and mutated requests never make the gateway fail, and a legit client keeps its answers', async () => {
  const w = await GatewayWorld.create({ settings: { upstreamDeadlineMs: 3000 } });
  const legit = w.client();
  assert.equal((await w.login(legit, 'all:alice')).code, Code.CREATED);
  const withSession = await loggedIn(w);
  const anonymous = w.scripted();
  const dev = w.device(0).identity;
  const seedParts: Array<[number, OptionList, string?]> = [
    [Code.GET, [[OptionNumber.PROXY_URI, `coap://${dev.name}/time`]]],
    [Code.GET, [[OptionNumber.OBSERVE, 0], [OptionNumber.PROXY_URI, `coap://${dev.name}/time`]]],
    [Code.PUT, [[OptionNumber.URI_HOST, dev.name], [OptionNumber.URI_PATH, 'gpio'], [OptionNumber.CONTENT_FORMAT, 0], [OptionNumber.PROXY_SCHEME, 'coap']], '1'],
    [Code.GET, [[OptionNumber.URI_PATH, '.well-known'], [OptionNumber.URI_PATH, 'core'], [OptionNumber.BLOCK2, encodeBlock({ num: 1, more: false, szx: 1 })]]],
    [Code.POST, [[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.BLOCK1, encodeBlock({ num: 0, more: true, szx: 0 })]], 'all:mallory.....'],
    [Code.POST, [[OptionNumber.URI_PATH, 'echo'], [OptionNumber.CONTENT_FORMAT, 50]], '{"x":1}'],
    [Code.GET, [[OptionNumber.HOP_LIMIT, 2], [OptionNumber.PROXY_URI, `coap://${dev.name}/slow?delay=1`]]],
  ];
  const seeds = seedParts.map(([code, options, payload]) =>
    encode(makeMessage({ type: MessageType.CON, code, messageId: 0x1000, token: Buffer.from([1, 2, 3]), options: makeOptions(options), payload: payload ?? '' })),
  );
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat({ max: 0xffff })).map(([seed, edits, mid]) => {
    const b = Buffer.from(seed);
    b.writeUInt16BE(mid, 2);
    for (const [i, v] of edits) b[i % b.length] = v;
    return b;
  });
  const truncated = fc.tuple(fc.constantFrom(...seeds), fc.nat()).map(([seed, n]) => seed.subarray(0, n % seed.length));
  const extended = fc.tuple(fc.constantFrom(...seeds), fc.uint8Array({ minLength: 1, maxLength: 40 })).map(([seed, tail]) => Buffer.concat([seed, tail]));
  const garbage = fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a));
  const datagram = fc.oneof(mutated, truncated, extended, garbage);
  let rounds = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), datagram), { maxLength: 8 }), async (batch) => {
      for (const [authenticated, d] of batch) (authenticated ? withSession : anonymous).send(GATEWAY, d);
      await w.clock.advanceAsync(20, 5);
      if (++rounds % 50 === 0) {
        const r = await w.run(legit.request(GATEWAY, w.proxied('/time')));
        assert.equal(r.code, Code.CONTENT, 'the legit client is still served during the attack');
      }
    }),
    { numRuns: 250, seed: 5 },
  );
  const all = [...withSession.takeAll(), ...anonymous.takeAll()].map((r) => r.message);
  assert.ok(all.length > 100, `the gateway answered the attack (${all.length} datagrams)`);
  const internal = all.filter(isGatewayInternalError);
  assert.deepEqual(internal.map(describe), [], 'no request reached the error boundary');
  for (const m of all) assert.notEqual(m.type === MessageType.ACK || m.type === MessageType.RST ? 'ok' : m.code, 0, `no empty CON/NON from the gateway: ${describe(m)}`);
  const after = await w.run(legit.request(GATEWAY, w.proxied('/time')));
  assert.equal(after.code, Code.CONTENT);
  await w.leakCheck();
});

test('Proxy-Uri abuse: too long, bad percent-encoding, userinfo, fragment, relative, empty host, long segment: 4.02, never forwarded', async () => {
  const w = await GatewayWorld.create();
  const p = await loggedIn(w);
  const dev = w.device(0).identity.name;
  const forwarded: string[] = [];
  const stop = w.network.tap((d) => {
    if (d.to.address === w.device(0).identity.address) forwarded.push(d.data.toString('latin1'));
  });
  const base = `coap://${dev}/time?`;
  const longest = base + 'q='.padEnd(250, 'x') + '&' + 'r='.padEnd(250, 'y') + '&' + 's='.padEnd(250, 'z') + '&';
  const exactly1034 = (longest + 't='.padEnd(1034 - longest.length, 'w')).slice(0, 1034);
  assert.equal(exactly1034.length, 1034);
  const bad: Array<[string, Buffer | string]> = [
    ['1035 bytes', exactly1034 + 'w'],
    ['4000 bytes', base + 'a='.padEnd(3990, 'a')],
    ['bad percent-encoding', `coap://${dev}/ti%zzme`],
    ['truncated percent-encoding', `coap://${dev}/time%4`],
    ['percent in the host', `coap://SSN%G1.starfish.test/time`],
    ['userinfo', `coap://user:pw@${dev}/time`],
    ['fragment', `coap://${dev}/time#frag`],
    ['relative', '/time'],
    ['empty host', 'coap:///time'],
    ['space', `coap://${dev}/ti me`],
    ['non-ASCII', Buffer.from(`coap://${dev}/t\u00e9`, 'utf8')],
    ['segment over 255 bytes', `coap://${dev}/${'s'.repeat(256)}`],
    ['bad port', `coap://${dev}:99999/time`],
    ['unclosed IPv6 literal', 'coap://[::1/time'],
  ];
  for (const [why, uri] of bad) {
    const r = await send(w, p, Code.GET, [[OptionNumber.PROXY_URI, uri]]);
    assert.equal(r.code, Code.BAD_OPTION, `${why}: ${describe(r)} ${r.payload.toString()}`);
    assert.ok(r.payload.length > 0, `${why}: a diagnostic payload`);
  }
  assert.deepEqual(forwarded, [], 'nothing reached the device');
  // the longest legal Proxy-Uri is proxied (RFC 7252 §5.10.2: 1..1034 bytes)
  const ok = await send(w, p, Code.GET, [[OptionNumber.PROXY_URI, exactly1034]]);
  assert.equal(ok.code, Code.CONTENT, ok.payload.toString());
  stop();
  await w.leakCheck();
});

test('Uri-Host with Proxy-Uri, Proxy-Scheme mixes and repeated non-repeatable options get the RFC answers (R32, R33, R44, R92)', async () => {
  const w = await GatewayWorld.create();
  const p = await loggedIn(w);
  const dev = w.device(0).identity.name;
  // RFC 7252 §5.10.2: Proxy-Uri wins over Uri-* options, which are ignored.
  const mixed = await send(w, p, Code.GET, [[OptionNumber.URI_HOST, 'evil.example'], [OptionNumber.URI_PATH, 'bogus'], [OptionNumber.PROXY_URI, `coap://${dev}/time`]]);
  assert.equal(mixed.code, Code.CONTENT, mixed.payload.toString());
  const scheme = await send(w, p, Code.GET, [[OptionNumber.URI_HOST, dev], [OptionNumber.URI_PATH, 'time'], [OptionNumber.PROXY_SCHEME, 'coap']]);
  assert.equal(scheme.code, Code.CONTENT);
  const cases: Array<[string, OptionList, number]> = [
    ['two Proxy-Uri', [[OptionNumber.PROXY_URI, `coap://${dev}/time`], [OptionNumber.PROXY_URI, `coap://${dev}/gpio`]], Code.BAD_OPTION],
    ['two Proxy-Scheme', [[OptionNumber.URI_HOST, dev], [OptionNumber.PROXY_SCHEME, 'coap'], [OptionNumber.PROXY_SCHEME, 'coap']], Code.BAD_OPTION],
    ['two Uri-Host', [[OptionNumber.URI_HOST, dev], [OptionNumber.URI_HOST, 'other.starfish.test'], [OptionNumber.PROXY_SCHEME, 'coap']], Code.BAD_OPTION],
    ['Uri-Port of 3 bytes', [[OptionNumber.URI_HOST, dev], [OptionNumber.URI_PORT, Buffer.from([0, 0x16, 0x33])], [OptionNumber.PROXY_SCHEME, 'coap']], Code.BAD_OPTION],
    ['empty Proxy-Uri', [[OptionNumber.PROXY_URI, Buffer.alloc(0)]], Code.BAD_OPTION],
    ['Proxy-Scheme http', [[OptionNumber.URI_HOST, dev], [OptionNumber.PROXY_SCHEME, 'http']], Code.PROXYING_NOT_SUPPORTED],
    ['Proxy-Scheme garbage', [[OptionNumber.URI_HOST, dev], [OptionNumber.PROXY_SCHEME, '\u0000\u00ff']], Code.BAD_OPTION],
    ['Hop-Limit 0', [[OptionNumber.HOP_LIMIT, Buffer.from([0])], [OptionNumber.PROXY_URI, `coap://${dev}/time`]], Code.BAD_REQUEST],
    ['Hop-Limit of 2 bytes', [[OptionNumber.HOP_LIMIT, Buffer.from([1, 0])], [OptionNumber.PROXY_URI, `coap://${dev}/time`]], Code.BAD_REQUEST],
    ['two Block2', [[OptionNumber.BLOCK2, Buffer.from([0x02])], [OptionNumber.PROXY_URI, `coap://${dev}/time`], [OptionNumber.BLOCK2, Buffer.from([0x12])]], Code.BAD_OPTION],
    // RFC 7959 §2.2: SZX 7 is reserved (R79); the device or the gateway answers 4.00
    ['Block2 SZX 7', [[OptionNumber.BLOCK2, Buffer.from([0x07])], [OptionNumber.PROXY_URI, `coap://${dev}/large`]], Code.BAD_REQUEST],
    ['unknown method 0.08', [[OptionNumber.PROXY_URI, `coap://${dev}/time`]], Code.METHOD_NOT_ALLOWED],
  ];
  for (const [why, options, expected] of cases) {
    const r = await send(w, p, why === 'unknown method 0.08' ? 8 : Code.GET, options);
    assert.equal(r.code, expected, `${why}: ${describe(r)} ${r.payload.toString()}`);
  }
  // RFC 7252 §5.4.5: an extra elective option (Accept twice) is not an error for the gateway to raise.
  const accept = await send(w, p, Code.GET, [[OptionNumber.PROXY_URI, `coap://${dev}/time`], [OptionNumber.ACCEPT, 0], [OptionNumber.ACCEPT, 50]]);
  assert.notEqual(accept.code, Code.INTERNAL_SERVER_ERROR);
  await w.leakCheck();
});

test('huge option counts and oversized requests are refused cheaply, never relayed as giant datagrams to the mesh (RFC 7252 §4.6)', async () => {
  const w = await GatewayWorld.create();
  const p = await loggedIn(w);
  const dev = w.device(0).identity;
  let largestUpstream = 0;
  const stop = w.network.tap((d) => {
    if (d.to.address === dev.address) largestUpstream = Math.max(largestUpstream, d.data.length);
  });
  const many: Array<readonly [number, string]> = Array.from({ length: 3000 }, (_, i) => [2048, String(i % 10)] as const);
  const optionFlood = await send(w, p, Code.GET, [[OptionNumber.PROXY_URI, `coap://${dev.name}/time`], ...many]);
  assert.ok(optionFlood.code >>> 5 === 4, `4.xx for 3000 options: ${describe(optionFlood)}`);
  const bigBody = await send(w, p, Code.PUT, [[OptionNumber.PROXY_URI, `coap://${dev.name}/gpio`]], Buffer.alloc(20_000, 0x31));
  assert.equal(bigBody.code, Code.REQUEST_ENTITY_TOO_LARGE, describe(bigBody));
  assert.equal(getUintOption(bigBody.options, OptionNumber.SIZE1), 1024, 'Size1 says how much fits (RFC 7252 §5.10.9)');
  assert.ok(largestUpstream <= 1152, `largest datagram towards the device: ${largestUpstream} bytes`);
  const many2 = Array.from({ length: 500 }, () => [OptionNumber.URI_QUERY, 'x'] as const);
  const local = await send(w, p, Code.GET, [[OptionNumber.URI_PATH, 'help'], ...many2]);
  assert.equal(local.code, Code.CONTENT, 'local requests tolerate many elective options');
  stop();
  await w.leakCheck();
});

test('8 KB tokens posted to /sessions (plain and block-wise) are refused with 4.01 or 4.13, never crash', async () => {
  const w = await GatewayWorld.create();
  const p = w.scripted();
  const big = 'x'.repeat(8300);
  const plain = await send(w, p, Code.POST, [[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.CONTENT_FORMAT, 0]], big);
  assert.ok(plain.code === Code.UNAUTHORIZED || plain.code === Code.REQUEST_ENTITY_TOO_LARGE, describe(plain));
  const jwtLike = `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}.${'A'.repeat(9000)}.${'B'.repeat(86)}`;
  const jwt = await send(w, p, Code.POST, [[OptionNumber.URI_PATH, 'sessions']], jwtLike);
  assert.ok(jwt.code === Code.UNAUTHORIZED || jwt.code === Code.REQUEST_ENTITY_TOO_LARGE, describe(jwt));
  let last: Message | undefined;
  for (let num = 0; num < 140; num++) {
    last = await send(w, p, Code.POST, [[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.BLOCK1, encodeBlock({ num, more: true, szx: 2 })]], Buffer.alloc(64, 0x41));
    if (last.code !== Code.CONTINUE) break;
  }
  assert.equal(last?.code, Code.REQUEST_ENTITY_TOO_LARGE, 'the block-wise upload stops at the 8 KB cap');
  const r = await send(w, p, Code.GET, [[OptionNumber.URI_PATH, 'help']]);
  assert.equal(r.code, Code.CONTENT);
  await w.leakCheck();
});

test('a hostile device (garbage, truncated answers, RST to everything): clear 5.04 / 5.02 for its clients, others unaffected, nothing left', async () => {
  const w = await GatewayWorld.create({ settings: { upstreamDeadlineMs: 3000 } });
  const c = w.client();
  assert.equal((await w.login(c)).code, Code.CREATED);
  const expected: Array<['malformed' | 'truncated' | 'reset', number]> = [
    ['malformed', Code.GATEWAY_TIMEOUT],
    ['truncated', Code.GATEWAY_TIMEOUT],
    ['reset', Code.BAD_GATEWAY],
  ];
  for (const [fault, code] of expected) {
    w.device(0).setFault(fault);
    const started = w.clock.now();
    const r = await w.run(c.request(GATEWAY, w.proxied('/time')));
    assert.equal(r.code, code, `${fault}: ${describe(r)} ${r.payload.toString()}`);
    assert.ok(w.clock.now() - started <= 3500, `${fault}: answered within the deadline`);
    assert.equal((await w.run(c.request(GATEWAY, w.proxied('/time', { device: 1 })))).code, Code.CONTENT, `${fault}: another device is served`);
  }
  w.device(0).setFault('none');
  assert.equal((await w.run(c.request(GATEWAY, w.proxied('/time')))).code, Code.CONTENT, 'the device is served again once healthy');
  await w.leakCheck();
});
