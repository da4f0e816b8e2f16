// e2e (issue #5): hostile datagrams over real UDP to the gateway CLI: RST or silence as RFC 7252 §3/§4 says, never a crash or a stall.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { freeUdpPort, startSimulator, type RunningSimulator } from '../../src/app/index.js';
import { parseAccounts, startTokenService, type RunningTokenService } from '../../src/token-service/index.js';
import { Code, MessageType, OptionNumber, decode, encode, makeOptions, type Message } from '../../src/coap/index.js';
import { coapClient, eventually, findProgram, rawClient, startGatewayCli, type GatewayProcess } from './gateway-harness.js';

const DOMAIN = 'robust.test';
const FIRST_INDEX = 254 * 181;

type Raw = Awaited<ReturnType<typeof rawClient>>;
type OptionList = ReadonlyArray<readonly [number, Buffer | string | number]>;

let cc: string;
let dir: string;
let sim: RunningSimulator;
let tokens: RunningTokenService;
let gateway: GatewayProcess;
let token: string;
let device: string;

before(async () => {
  cc = findProgram('coap-client-notls');
  dir = mkdtempSync(join(tmpdir(), 'gw-robust-'));
  sim = await startSimulator({ devices: 1, domain: DOMAIN, dnsPort: 0, firstAddressIndex: FIRST_INDEX, logLevel: 'silent' });
  device = sim.fleet.devices[0]?.identity.name ?? '';
  const accounts = parseAccounts({ accounts: [{ clientId: 'alice', secret: 'plain:a', permissions: [{ devices: ['*'], methods: ['all'] }] }] });
  assert.ok(accounts.ok);
  tokens = await startTokenService({ accounts: accounts.value, issuer: 'urn:test:robust' });
  const issued = await tokens.issueToken('alice');
  assert.ok(issued.ok);
  token = issued.value.accessToken;
  writeFileSync(join(dir, 'token'), token);
  gateway = await startGatewayCli([
    '--host', '127.0.0.1', '--port', '0', '--domain', DOMAIN, '--dns-server', sim.dns.endpoint, '--store', 'memory',
    '--jwks-url', tokens.jwksUrl, '--issuer', 'urn:test:robust', '--deadline', '3s', '--log-level', 'error',
  ]);
});

/** Sockets a failed test may leave open: closed here, so the process can end. */
const closers: Array<() => Promise<void>> = [];

function closeOnce(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const once = (): Promise<void> => (closing ??= close());
  closers.push(once);
  return once;
}

async function trackedRawClient(): Promise<Raw> {
  const raw = await rawClient();
  return { ...raw, received: raw.received, close: closeOnce(() => raw.close()) };
}

after(async () => {
  for (const close of closers) await close();
  await gateway?.stop();
  await tokens?.close();
  await sim?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function datagram(type: number, code: number, messageId: number, options: OptionList = [], payload: Buffer | string = '', token = Buffer.from([0x42])): Buffer {
  return encode({ type: type as Message['type'], code, messageId, token, options: makeOptions(options), payload: typeof payload === 'string' ? Buffer.from(payload) : payload });
}

/** Sends and waits for the answer to message ID `mid` (the last non-empty one, or the RST). */
async function ask(raw: Raw, data: Buffer, mid: number, timeoutMs = 8000): Promise<Message> {
  raw.send(data, gateway.port);
  let answer: Message | undefined;
  await eventually(() => {
    const all = raw.received.splice(0);
    for (const m of all) {
      if (m.type === MessageType.CON) raw.send(datagram(MessageType.ACK, 0, m.messageId, [], '', Buffer.alloc(0)), gateway.port);
      if (m.type === MessageType.RST || m.code !== 0) answer = m;
    }
    return answer !== undefined;
  }, timeoutMs, `an answer to ${mid}`);
  return answer as Message;
}

function assertAlive(): void {
  assert.equal(gateway.child.exitCode, null, `the gateway exited; stderr:\n${gateway.stderr()}`);
  assert.doesNotMatch(gateway.stderr(), /pipeline failed|request handler threw|uncaught|unhandled/i);
}

test('RFC 7252 §3/§4 format errors: a CON with a readable header gets an RST with its message ID, the rest silence', async () => {
  const raw = await trackedRawClient();
  const rst: Array<[string, Buffer, number]> = [
    ['TKL 9', Buffer.from([0x49, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 0x0001],
    ['payload marker, no payload', Buffer.from([0x40, 0x01, 0x00, 0x02, 0xff]), 0x0002],
    ['option delta nibble 15', Buffer.from([0x40, 0x01, 0x00, 0x03, 0xf1, 0x41]), 0x0003],
    ['option length nibble 15', Buffer.from([0x40, 0x01, 0x00, 0x04, 0xbf, 0x41]), 0x0004],
    ['option runs past the end', Buffer.from([0x40, 0x01, 0x00, 0x05, 0xb8, 0x61, 0x62]), 0x0005],
    ['extended delta cut off', Buffer.from([0x40, 0x01, 0x00, 0x06, 0xd0]), 0x0006],
    ['Empty CON with a token', Buffer.from([0x41, 0x00, 0x00, 0x07, 0x01]), 0x0007],
    ['Empty CON with bytes after the MID', Buffer.from([0x40, 0x00, 0x00, 0x08, 0xff, 0x61]), 0x0008],
    ['reserved class 1.xx', datagram(MessageType.CON, 0x20, 0x0009), 0x0009],
    ['reserved class 7.xx', datagram(MessageType.CON, 0xe0, 0x000a), 0x000a],
    ['unexpected CON response', datagram(MessageType.CON, Code.CONTENT, 0x000b), 0x000b],
    ['ping', Buffer.from([0x40, 0x00, 0x00, 0x0c]), 0x000c],
  ];
  for (const [why, data, mid] of rst) {
    const m = await ask(raw, data, mid);
    assert.equal(m.type, MessageType.RST, why);
    assert.equal(m.messageId, mid, why);
    assert.equal(m.code, 0, why);
    assert.equal(m.token.length + m.options.length + m.payload.length, 0, `${why}: an RST is empty`);
  }
  const silent: Array<[string, Buffer]> = [
    ['version 2', Buffer.from([0x80, 0x01, 0x01, 0x01])],
    ['version 0', Buffer.from([0x00, 0x01, 0x01, 0x02])],
    ['three bytes', Buffer.from([0x40, 0x01, 0x01])],
    ['one byte', Buffer.from([0x40])],
    ['empty datagram', Buffer.alloc(0)],
    ['NON with TKL 15', Buffer.from([0x5f, 0x01, 0x01, 0x03, 1, 2, 3, 4, 5, 6, 7, 8])],
    ['NON with a lone payload marker', Buffer.from([0x50, 0x01, 0x01, 0x04, 0xff])],
    ['Empty NON', Buffer.from([0x50, 0x00, 0x01, 0x05])],
    ['ACK carrying a request', datagram(MessageType.ACK, Code.GET, 0x0106, [[OptionNumber.URI_PATH, 'help']])],
    ['RST with a code', datagram(MessageType.RST, Code.CONTENT, 0x0107)],
    ['empty RST to nothing', Buffer.from([0x70, 0x00, 0x01, 0x08])],
    ['empty ACK to nothing', Buffer.from([0x60, 0x00, 0x01, 0x09])],
    ['NON of reserved class 6.xx', datagram(MessageType.NON, 0xc0, 0x010a)],
    ['65507 bytes of 0xff', Buffer.alloc(65_507, 0xff)],
  ];
  for (const [, data] of silent) raw.send(data, gateway.port);
  // The socket is read in order: once the sentinel ping's RST is back, every datagram above was handled.
  const sentinel = await ask(raw, Buffer.from([0x40, 0x00, 0x01, 0xff]), 0x01ff);
  assert.equal(sentinel.messageId, 0x01ff, `only the sentinel is answered, not ${sentinel.messageId}`);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(raw.received.map((m) => m.messageId), [], 'silence for every message the RFC says to ignore');
  await raw.close();
  assertAlive();
});

test('hostile options over UDP: 8 KB tokens, 1035-byte Proxy-Uri, userinfo, Uri-Host mixes, repeats, 3000 options, 20 KB bodies', async () => {
  const raw = await trackedRawClient();
  let mid = 0x2000;
  const req = (code: number, options: OptionList, payload: Buffer | string = ''): Promise<Message> => {
    mid++;
    return ask(raw, datagram(MessageType.CON, code, mid, options, payload), mid);
  };
  const sessions: OptionList = [[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.CONTENT_FORMAT, 0]];
  assert.equal((await req(Code.POST, sessions, 'x'.repeat(8200))).code, Code.UNAUTHORIZED, '8 KB of garbage');
  const [h, p] = token.split('.');
  assert.equal((await req(Code.POST, sessions, `${h}.${p}${'A'.repeat(8000)}.sig`)).code, Code.UNAUTHORIZED, 'an 8 KB forged token');
  assert.equal((await req(Code.POST, sessions, token)).code, Code.CREATED, 'the real token logs in');
  const uri = `coap://${device}/time`;
  const cases: Array<[string, number, OptionList, Buffer | string, number]> = [
    ['1035-byte Proxy-Uri', Code.GET, [[OptionNumber.PROXY_URI, `${uri}?q=${'x'.repeat(1035 - uri.length - 3)}`]], '', Code.BAD_OPTION],
    ['bad percent-encoding', Code.GET, [[OptionNumber.PROXY_URI, `coap://${device}/t%zz`]], '', Code.BAD_OPTION],
    ['userinfo', Code.GET, [[OptionNumber.PROXY_URI, `coap://eve@${device}/time`]], '', Code.BAD_OPTION],
    ['fragment', Code.GET, [[OptionNumber.PROXY_URI, `${uri}#x`]], '', Code.BAD_OPTION],
    ['two Proxy-Uri', Code.GET, [[OptionNumber.PROXY_URI, uri], [OptionNumber.PROXY_URI, uri]], '', Code.BAD_OPTION],
    ['Uri-Host with Proxy-Uri', Code.GET, [[OptionNumber.URI_HOST, 'evil.example'], [OptionNumber.PROXY_URI, uri]], '', Code.CONTENT],
    ['two Uri-Host with Proxy-Scheme', Code.GET, [[OptionNumber.URI_HOST, device], [OptionNumber.URI_HOST, device], [OptionNumber.PROXY_SCHEME, 'coap']], '', Code.BAD_OPTION],
    ['3000 options', Code.GET, [[OptionNumber.PROXY_URI, uri], ...Array.from({ length: 3000 }, () => [2048, 'a'] as const)], '', Code.BAD_REQUEST],
    ['20 KB body', Code.PUT, [[OptionNumber.PROXY_URI, `coap://${device}/gpio`]], Buffer.alloc(20_000, 0x30), Code.REQUEST_ENTITY_TOO_LARGE],
    ['unknown device', Code.GET, [[OptionNumber.PROXY_URI, `coap://SSN00000000BEEF0000.${DOMAIN}/time`]], '', Code.BAD_GATEWAY],
  ];
  for (const [why, code, options, payload, expected] of cases) {
    const m = await req(code, options, payload);
    assert.equal(m.code, expected, `${why}: got ${m.code >>> 5}.${String(m.code & 31).padStart(2, '0')} ${m.payload.toString()}`);
  }
  assert.equal((await req(Code.DELETE, [[OptionNumber.URI_PATH, 'sessions']])).code, Code.DELETED);
  await raw.close();
  assertAlive();
});

test('a paced flood of fast-check garbage and mutated requests: the gateway stays up and a legit coap-client keeps getting answers', async () => {
  // Its own socket: the attack keeps the send queue bounded (each batch waits for the kernel) and only
  // counts what comes back, so neither side of the test grows without bound.
  const attacker = createSocket('udp4');
  await new Promise<void>((done) => attacker.bind(0, '127.0.0.1', () => done()));
  const closeAttacker = closeOnce(() => new Promise<void>((done) => attacker.close(() => done())));
  let replies = 0;
  let malformed = 0;
  const loggedIn = new Promise<Message | undefined>((done) => attacker.once('message', (d) => done(decodeOk(d))));
  attacker.on('message', (d) => {
    replies++;
    if (decodeOk(d) === undefined) malformed++;
  });
  attacker.send(datagram(MessageType.NON, Code.POST, 1, [[OptionNumber.URI_PATH, 'sessions']], token), gateway.port, '127.0.0.1');
  assert.equal((await loggedIn)?.code, Code.CREATED);
  const seeds = [
    datagram(MessageType.CON, Code.GET, 7, [[OptionNumber.PROXY_URI, `coap://${device}/time`]]),
    datagram(MessageType.NON, Code.PUT, 7, [[OptionNumber.URI_HOST, device], [OptionNumber.URI_PATH, 'gpio'], [OptionNumber.PROXY_SCHEME, 'coap']], '1'),
    datagram(MessageType.CON, Code.GET, 7, [[OptionNumber.OBSERVE, 0], [OptionNumber.PROXY_URI, `coap://${device}/time`]]),
    datagram(MessageType.CON, Code.GET, 7, [[OptionNumber.URI_PATH, '.well-known'], [OptionNumber.URI_PATH, 'core']]),
    datagram(MessageType.CON, Code.POST, 7, [[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.BLOCK1, Buffer.from([0x08])]], 'abcdefghijklmnop'),
  ];
  const hostile = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 5 })).map(([s, edits]) => {
      const b = Buffer.from(s);
      for (const [i, v] of edits) b[i % b.length] = v;
      return b;
    }),
    fc.tuple(fc.constantFrom(...seeds), fc.nat()).map(([s, n]) => s.subarray(0, n % s.length)),
  );
  const flood = fc.sample(hostile, { numRuns: 4000, seed: 11 });
  const port = String(await freeUdpPort());
  assert.match((await coapClient(cc, ['-v', '6', '-m', 'post', '-t', '0', '-f', join(dir, 'token'), '-p', port, `coap://127.0.0.1:${gateway.port}/sessions`])).stdout, /c:2\.01/);
  const total = 30_000;
  let sent = 0;
  let failed: unknown;
  const sendOne = (data: Buffer): Promise<void> => new Promise((done) => attacker.send(data, gateway.port, '127.0.0.1', () => done()));
  const attack = (async () => {
    // Paced (about 20,000 datagrams/s at most): more than the gateway reads only fills the kernel's buffer.
    while (sent < total && failed === undefined) {
      const batch: Array<Promise<void>> = [];
      for (let i = 0; i < 40; i++) batch.push(sendOne(flood[sent++ % flood.length] as Buffer));
      await Promise.all([...batch, new Promise((r) => setTimeout(r, 2))]);
    }
  })();
  // The legit client asks again and again until the whole flood is sent, at least three times.
  let rounds = 0;
  try {
    while (rounds < 3 || sent < total) {
      const started = Date.now();
      const help = await coapClient(cc, ['-B', '10', '-m', 'get', `coap://127.0.0.1:${gateway.port}/help`]);
      assert.match(help.stdout, /To login/, `round ${rounds}: ${help.stderr}`);
      const time = await coapClient(cc, ['-B', '10', '-m', 'get', '-p', port, '-P', `coap://127.0.0.1:${gateway.port}`, `coap://${device}/time`]);
      assert.match(time.stdout.trim(), /^\d+$/, `round ${rounds}: ${time.stderr}`);
      assert.ok(Date.now() - started < 8000, `round ${rounds} took ${Date.now() - started} ms`);
      rounds++;
    }
  } catch (e) {
    failed = e;
    throw e;
  } finally {
    await attack;
  }
  assert.equal(sent, total);
  console.log(`hostile datagrams: ${sent}; gateway answers: ${replies}; legit rounds during the flood: ${rounds}`);
  assert.ok(replies > 0, 'the gateway answered the flood');
  assert.equal(malformed, 0, 'every answer was a well-formed CoAP message');
  const after = await coapClient(cc, ['-m', 'get', '-p', port, '-P', `coap://127.0.0.1:${gateway.port}`, `coap://${device}/time`]);
  assert.match(after.stdout.trim(), /^\d+$/, after.stderr);
  await coapClient(cc, ['-m', 'delete', '-p', port, `coap://127.0.0.1:${gateway.port}/sessions`]);
  await closeAttacker();
  assertAlive();
});

function decodeOk(data: Buffer): Message | undefined {
  const m = decode(Buffer.from(data));
  return m.ok ? m.value : undefined;
}
