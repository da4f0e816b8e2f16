// e2e: the vendor guide's coap-client commands against the real gateway CLI, simulator and token service on loopback UDP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort, startSimulator, type RunningSimulator } from '../../src/app/index.js';
import { parseAccounts, startTokenService, type RunningTokenService } from '../../src/token-service/index.js';
import { HELP_TEXT } from '../../src/gateway/index.js';
import { Code, MessageType, OptionNumber, encode, makeOptions } from '../../src/coap/index.js';
import type { Clock } from '../../src/base/index.js';
import { systemClock } from '../../src/base/index.js';
import { coapClient, eventually, findProgram, rawClient, startGatewayCli, type GatewayProcess } from './gateway-harness.js';

const DOMAIN = 'starfish.test';
const SEED_DEVICE = `SSN001350050005E7D6.${DOMAIN}`;
const DEAD_DEVICE = `SSN00000000DEAD0001.${DOMAIN}`;
// A block of loopback addresses of its own (127.1.172.x), so other suites can run fleets at the same time.
const FIRST_INDEX = 254 * 172;

let cc: string;
let dir: string;
let sim: RunningSimulator;
let tokens: RunningTokenService;
let gateway: GatewayProcess;
let configFile: string;
const tokenFiles: Record<string, string> = {};

function pastClock(offsetMs: number): Clock {
  return { ...systemClock, now: () => systemClock.now(), wallNow: () => systemClock.wallNow() - offsetMs, setTimer: (cb, ms) => systemClock.setTimer(cb, ms), clearTimer: (h) => systemClock.clearTimer(h) };
}

function b64(o: object): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

before(async () => {
  cc = findProgram('coap-client-notls');
  dir = mkdtempSync(join(tmpdir(), 'gw-e2e-'));
  sim = await startSimulator({ devices: 2, milliNics: 1, domain: DOMAIN, dnsPort: 0, plugtest: 1, observePeriodMs: 1000, firstAddressIndex: FIRST_INDEX, logLevel: 'silent' });
  // The guide's own device name, served by the first simulated NIC; a name whose address nobody answers on.
  assert.ok(sim.zone.add(SEED_DEVICE, sim.fleet.devices[0]?.address.address ?? '').ok);
  assert.ok(sim.zone.add(DEAD_DEVICE, `127.1.172.250`).ok);
  const accounts = parseAccounts({
    accounts: [
      { clientId: 'alice', secret: 'plain:a', permissions: [{ devices: ['*'], methods: ['all'] }] },
      { clientId: 'bob', secret: 'plain:b', sessionLimit: 2, permissions: [{ devices: ['*'], methods: ['all'] }] },
      { clientId: 'nobody', secret: 'plain:n', permissions: [{ devices: ['SSN9*.starfish.test'], methods: ['GET'] }] },
    ],
  });
  assert.ok(accounts.ok);
  const keys = join(dir, 'keys');
  // Tokens issued "two hours ago" are expired now; both services share the signing key.
  const past = await startTokenService({ accounts: accounts.value, dataDir: keys, issuer: 'urn:test:tokens', clock: pastClock(2 * 3_600_000) });
  const expired = await past.issueToken('alice');
  await past.close();
  tokens = await startTokenService({ accounts: accounts.value, dataDir: keys, issuer: 'urn:test:tokens' });
  const issued = async (id: string): Promise<string> => {
    const t = await tokens.issueToken(id);
    assert.ok(t.ok);
    return t.value.accessToken;
  };
  const write = (name: string, text: string): void => {
    tokenFiles[name] = join(dir, `${name}.token`);
    writeFileSync(tokenFiles[name], text);
  };
  write('alice', await issued('alice'));
  write('bob', await issued('bob'));
  write('nobody', await issued('nobody'));
  assert.ok(expired.ok);
  write('expired', expired.value.accessToken);
  write('garbage', 'this is not a token');
  const [, payload] = (await issued('alice')).split('.');
  write('none', `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`);

  configFile = join(dir, 'gateway.yaml');
  writeFileSync(
    configFile,
    [
      'listen:',
      '  - host: 127.0.0.1',
      '    port: 0',
      'resolver:',
      '  domains:',
      `    - name: ${DOMAIN}`,
      `      dnsServers: ["${sim.dns.endpoint}"]`,
      'forwarding:',
      '  upstreamDeadlineMs: 3s',
      'sessions:',
      '  store:',
      '    kind: sqlite',
      `    path: ${join(dir, 'sessions.db')}`,
      'auth:',
      `  jwksUrl: ${tokens.jwksUrl}`,
      '  issuer: urn:test:tokens',
      '',
    ].join('\n'),
  );
  gateway = await startGatewayCli(['--config', configFile, '--log-level', 'warn']);
});

after(async () => {
  await gateway?.stop();
  await tokens?.close();
  await sim?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const gw = (): string => `coap://127.0.0.1:${gateway.port}`;
const proxy = (): string[] => ['-P', gw()];
function readToken(who: string): string {
  return readFileSync(tokenFiles[who] ?? '', 'utf8');
}

/** coap-client with stdin (the guide's `-f -`). */
function coapClientWithStdin(args: string[], stdin: string): Promise<string> {
  return new Promise((done, fail) => {
    const child: ChildProcess = execFile(cc, args, { timeout: 20_000, encoding: 'utf8' }, (error, stdout) => (error === null ? done(stdout) : fail(error)));
    child.stdin?.end(stdin);
  });
}

const login = (port: number, who: string) => coapClient(cc, ['-m', 'post', '-t', '0', '-f', tokenFiles[who] ?? '', '-p', String(port), `${gw()}/sessions`]);

test('help: GET /help and the bare coap:// of the guide answer exactly the guide text', async () => {
  const port = await freeUdpPort();
  const help = await coapClient(cc, ['-m', 'get', '-p', String(port), `${gw()}/help`]);
  assert.equal(help.stdout.trim(), HELP_TEXT);
  const bare = await coapClient(cc, ['-m', 'get', '-p', String(port), gw()]);
  assert.equal(bare.stdout.trim(), HELP_TEXT);
  const wkc = await coapClient(cc, ['-m', 'get', '-p', String(port), `${gw()}/.well-known/core`]);
  assert.match(wkc.stdout, /<\/sessions>/);
  assert.match(wkc.stdout, /<\/help>/);
});

test('the guide walk-through: login, .well-known/core, /time, /gpio, /dummy 5.01, logout 2.02, again 4.12, then 4.01', async () => {
  const port = String(await freeUdpPort());
  const li = await coapClient(cc, ['-v', '6', '-m', 'post', '-t', '0', '-f', tokenFiles['alice'] ?? '', '-p', port, `${gw()}/sessions`]);
  assert.match(li.stdout, /c:2\.01/, li.stdout + li.stderr);
  const dev = `coap://${SEED_DEVICE}:5683`;
  const wkc = await coapClient(cc, ['-v', '10', '-m', 'get', '-p', port, ...proxy(), `${dev}/.well-known/core`]);
  assert.match(wkc.stdout, /<\/time>;/);
  assert.match(wkc.stdout, /<\/gpio>;/);
  const time = await coapClient(cc, ['-m', 'get', '-p', port, ...proxy(), `${dev}/time`]);
  assert.ok(Math.abs(Number(time.stdout.trim()) - Date.now() / 1000) < 10, time.stdout + time.stderr);
  const gpio = await coapClient(cc, ['-m', 'get', '-p', port, ...proxy(), `${dev}/gpio`]);
  assert.ok(gpio.stdout.trim().length > 0, gpio.stderr);
  const dummy = await coapClient(cc, ['-m', 'get', '-p', port, ...proxy(), `${dev}/dummy`]);
  assert.match(dummy.stderr, /5\.01/);
  const del = await coapClient(cc, ['-v', '10', '-m', 'delete', '-p', port, `${gw()}/sessions`]);
  assert.match(del.stdout, /c:2\.02/, del.stdout + del.stderr);
  const again = await coapClient(cc, ['-m', 'delete', '-p', port, `${gw()}/sessions`]);
  assert.match(again.stderr, /4\.12/);
  const after = await coapClient(cc, ['-m', 'get', '-p', port, ...proxy(), `${dev}/time`]);
  assert.match(after.stderr, /4\.01/);
});

test('login from stdin with -f - (the guide: "-t 0 -f -")', async () => {
  const port = String(await freeUdpPort());
  const r = await coapClientWithStdin(['-v', '6', '-B', '10', '-m', 'post', '-t', '0', '-f', '-', '-p', port, `${gw()}/sessions`], readToken('alice') + '\n');
  assert.match(r, /c:2\.01/);
  await coapClient(cc, ['-m', 'delete', '-p', port, `${gw()}/sessions`]);
});

test('without a session, or without permission: 4.01', async () => {
  const anon = String(await freeUdpPort());
  const r1 = await coapClient(cc, ['-m', 'get', '-p', anon, ...proxy(), `coap://${SEED_DEVICE}:5683/.well-known/core`]);
  assert.match(r1.stderr, /4\.01/);
  const port = await freeUdpPort();
  await login(port, 'nobody');
  const r2 = await coapClient(cc, ['-m', 'get', '-p', String(port), ...proxy(), `coap://${SEED_DEVICE}:5683/.well-known/core`]);
  assert.match(r2.stderr, /4\.01/);
  assert.match(r2.stderr, /may not GET/);
});

test('expired, garbage and alg:none tokens are refused with 4.01 and the reason', async () => {
  const port = await freeUdpPort();
  const expired = await login(port, 'expired');
  assert.match(expired.stderr, /4\.01.*expired/);
  const garbage = await login(port, 'garbage');
  assert.match(garbage.stderr, /4\.01/);
  const none = await login(port, 'none');
  assert.match(none.stderr, /4\.01/);
  const r = await coapClient(cc, ['-m', 'get', '-p', String(port), ...proxy(), `coap://${SEED_DEVICE}/time`]);
  assert.match(r.stderr, /4\.01/);
});

test('the session limit: bob may hold 2 sessions, the third login is 4.29', async () => {
  const ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  assert.doesNotMatch((await login(ports[0] ?? 0, 'bob')).stderr, /\d\.\d\d/);
  assert.doesNotMatch((await login(ports[1] ?? 0, 'bob')).stderr, /\d\.\d\d/);
  const third = await login(ports[2] ?? 0, 'bob');
  assert.match(third.stderr, /4\.29/);
  for (const p of ports.slice(0, 2)) await coapClient(cc, ['-m', 'delete', '-p', String(p), `${gw()}/sessions`]);
});

test('milliNIC on 4849, unknown device 5.02, dead device 5.04, Hop-Limit 1 5.08, http 5.05', async () => {
  const port = String(await freeUdpPort());
  await login(Number(port), 'alice');
  const milli = sim.fleet.devices[2];
  assert.ok(milli);
  const m = await coapClient(cc, ['-m', 'get', '-p', port, ...proxy(), `coap://${milli.identity.name}:4849/time`]);
  assert.match(m.stdout.trim(), /^\d+$/, m.stderr);
  const unknown = await coapClient(cc, ['-m', 'get', '-p', port, ...proxy(), `coap://SSN0000000000000001.${DOMAIN}/time`]);
  assert.match(unknown.stderr, /5\.02.*NXDOMAIN/);
  const started = Date.now();
  const dead = await coapClient(cc, ['-m', 'get', '-p', port, ...proxy(), `coap://${DEAD_DEVICE}/time`]);
  assert.match(dead.stderr, /5\.04/);
  assert.ok(Date.now() - started >= 2500, 'after the 3 s deadline');
  const hop = await coapClient(cc, ['-m', 'get', '-H', '1', '-p', port, ...proxy(), `coap://${SEED_DEVICE}/time`]);
  assert.match(hop.stderr, /5\.08 127\.0\.0\.1/);
  const http = await coapClient(cc, ['-m', 'get', '-p', port, ...proxy(), `http://${SEED_DEVICE}/time`]);
  assert.match(http.stderr, /5\.05/);
  await coapClient(cc, ['-m', 'delete', '-p', port, `${gw()}/sessions`]);
});

test('a CoAP ping to the gateway gets an RST with the same message ID', async () => {
  const raw = await rawClient();
  raw.send(Buffer.from([0x40, 0x00, 0xbe, 0xef]), gateway.port);
  await eventually(() => raw.received.length > 0, 5000, 'the RST');
  assert.equal(raw.received[0]?.type, MessageType.RST);
  assert.equal(raw.received[0]?.messageId, 0xbeef);
  await raw.close();
});

test('sessions survive a gateway restart (embedded store): no new login needed', async () => {
  const port = String(await freeUdpPort());
  await login(Number(port), 'alice');
  const gwPort = gateway.port;
  await gateway.stop();
  gateway = await startGatewayCli(['--config', configFile, '--port', String(gwPort), '--host', '127.0.0.1', '--log-level', 'warn']);
  assert.equal(gateway.port, gwPort);
  const r = await coapClient(cc, ['-m', 'get', '-p', port, ...proxy(), `coap://${SEED_DEVICE}/time`]);
  assert.match(r.stdout.trim(), /^\d+$/, r.stderr);
  await coapClient(cc, ['-m', 'delete', '-p', port, `${gw()}/sessions`]);
});

test('an idle session is closed with a NON 5.03 seen by a raw UDP client, then requests get 4.01', async () => {
  const idleGateway = await startGatewayCli(['--config', configFile, '--port', '0', '--host', '127.0.0.1', '--store', 'memory', '--max-idle', '2s', '--grace', '1s', '--log-level', 'warn']);
  try {
    const raw = await rawClient();
    const token = readToken('alice');
    raw.send(encode({ type: MessageType.CON, code: Code.POST, messageId: 1, token: Buffer.from([1]), options: makeOptions([[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.CONTENT_FORMAT, 0]]), payload: Buffer.from(token) }), idleGateway.port);
    await eventually(() => raw.received.length > 0, 5000, 'the login answer');
    assert.equal(raw.received.shift()?.code, Code.CREATED);
    await eventually(() => raw.received.length > 0, 8000, 'the NON 5.03');
    const closed = raw.received.shift();
    assert.equal(closed?.type, MessageType.NON);
    assert.equal(closed?.code, Code.SERVICE_UNAVAILABLE);
    await raw.close();
  } finally {
    await idleGateway.stop();
  }
});

test('Observe through the gateway: coap-client -s gets notifications and the device observation ends afterwards', async () => {
  const port = String(await freeUdpPort());
  await login(Number(port), 'alice');
  const r = await coapClient(cc, ['-m', 'get', '-s', '4', '-p', port, ...proxy(), `coap://${SEED_DEVICE}/obs`]);
  const notifications = r.stdout.match(/obs \d+/g) ?? [];
  assert.ok(notifications.length >= 2, `notifications: ${r.stdout}`);
  await eventually(() => (sim.fleet.devices[0]?.observerCount('/obs') ?? 1) === 0, 10_000, 'the upstream observation to end');
  await coapClient(cc, ['-m', 'delete', '-p', port, `${gw()}/sessions`]);
});

test('block-wise through the gateway: GET /large with -b 16..1024 and PUT of a large body', async () => {
  const port = String(await freeUdpPort());
  await login(Number(port), 'alice');
  const direct = await coapClient(cc, ['-m', 'get', `coap://${sim.fleet.devices[0]?.address.address}/large`]);
  for (const size of ['16', '64', '1024']) {
    const viaGateway = await coapClient(cc, ['-m', 'get', '-b', size, '-p', port, ...proxy(), `coap://${SEED_DEVICE}/large`]);
    assert.equal(viaGateway.stdout, direct.stdout, `block size ${size}`);
  }
  const body = join(dir, 'body.txt');
  writeFileSync(body, 'x'.repeat(700));
  const put = await coapClient(cc, ['-m', 'put', '-b', '64', '-t', '0', '-f', body, '-p', port, ...proxy(), `coap://${SEED_DEVICE}/large-update`]);
  assert.doesNotMatch(put.stderr, /[45]\.\d\d/);
  const back = await coapClient(cc, ['-m', 'get', '-p', port, ...proxy(), `coap://${SEED_DEVICE}/large-update`]);
  assert.equal(back.stdout.trim(), 'x'.repeat(700));
  await coapClient(cc, ['-m', 'delete', '-p', port, `${gw()}/sessions`]);
});

