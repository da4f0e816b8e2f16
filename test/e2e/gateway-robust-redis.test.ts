// e2e (issue #5): redis-server killed mid-run: logins get a clear 5.03, cached sessions keep working, and the gateway recovers on restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, startSimulator, type RunningGateway, type RunningSimulator } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { parseAccounts, startTokenService, type RunningTokenService } from '../../src/token-service/index.js';
import { Code, OptionNumber, makeOptions, type Message } from '../../src/coap/index.js';
import { createEndpoint, type Endpoint } from '../../src/engine/index.js';
import { bindUdp } from '../../src/transport/index.js';
import { cryptoRandom, systemClock } from '../../src/base/index.js';
import type { Logger } from '../../src/telemetry/index.js';
import { findProgram } from './gateway-harness.js';
import { freeTcpPort, waitForTcp } from '../support/tcp-port.js';

const DOMAIN = 'redisdown.test';
const FIRST_INDEX = 254 * 183;

let dir: string;
let redisPort: number;
let redis: ChildProcess | undefined;
let sim: RunningSimulator;
let tokens: RunningTokenService;
let token: string;
let gw: RunningGateway;
const logs: Array<{ level: string; msg: string }> = [];

/** redis-server with an append-only file fsynced on every write, so sessions survive a SIGKILL. */
async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
  await waitForTcp(redisPort, 10_000, 'redis-server');
}

function killRedis(): Promise<void> {
  const child = redis;
  redis = undefined;
  if (child === undefined || child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}

before(async () => {
  findProgram('redis-server');
  dir = mkdtempSync(join(tmpdir(), 'gw-redisdown-'));
  redisPort = await freeTcpPort();
  await startRedis();
  sim = await startSimulator({ devices: 1, domain: DOMAIN, dnsPort: 0, firstAddressIndex: FIRST_INDEX, logLevel: 'silent' });
  const accounts = parseAccounts({ accounts: [{ clientId: 'alice', secret: 'plain:a', permissions: [{ devices: ['*'], methods: ['all'] }] }] });
  assert.ok(accounts.ok);
  tokens = await startTokenService({ accounts: accounts.value, issuer: 'urn:test:redisdown' });
  const issued = await tokens.issueToken('alice');
  assert.ok(issued.ok);
  token = issued.value.accessToken;
  const config = parseConfig({
    listen: [{ host: '127.0.0.1', port: 0 }],
    resolver: { domains: [{ name: DOMAIN, dnsServers: [sim.dns.endpoint] }] },
    sessions: { store: { kind: 'redis', url: `redis://127.0.0.1:${redisPort}` } },
    auth: { jwksUrl: tokens.jwksUrl, issuer: 'urn:test:redisdown' },
  });
  assert.ok(config.ok, JSON.stringify(config));
  const at = (level: string) => (_obj: object, msg?: string) => void logs.push({ level, msg: msg ?? '' });
  const logger: Logger = { debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error') };
  gw = await startGateway(config.value, { logger });
});

after(async () => {
  const closing = gw?.close();
  // The store may be down: closing must not hang on it.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closing, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
  clearTimeout(timer);
  await killRedis();
  await tokens?.close();
  await sim?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function client(): Promise<Endpoint> {
  return createEndpoint({ transport: await bindUdp({ host: '127.0.0.1', port: 0 }), clock: systemClock, random: cryptoRandom });
}

const to = (): { address: string; port: number } => ({ address: '127.0.0.1', port: gw.port });

function login(c: Endpoint): Promise<Message> {
  return c.request(to(), { code: Code.POST, options: makeOptions([[OptionNumber.URI_PATH, 'sessions']]), payload: Buffer.from(token) }, { timeoutMs: 20_000 });
}

function get(c: Endpoint): Promise<Message> {
  const device = sim.fleet.devices[0]?.identity.name ?? '';
  return c.request(to(), { code: Code.GET, options: makeOptions([[OptionNumber.PROXY_URI, `coap://${device}/time`]]) }, { timeoutMs: 20_000 });
}

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await p;
  return { value, ms: Date.now() - started };
}

test('redis dies: logins 5.03 fast, unknown sockets 5.03 (not 4.01), cached sessions keep working; redis back: everything recovers', async () => {
  const alice = await client();
  const bob = await client();
  const carol = await client();
  try {
    assert.equal((await login(alice)).code, Code.CREATED);
    assert.equal((await get(alice)).code, Code.CONTENT);
    const loginAt = Date.now();
    await killRedis();

    const refused = await timed(login(bob));
    assert.equal(refused.value.code, Code.SERVICE_UNAVAILABLE, refused.value.payload.toString());
    assert.match(refused.value.payload.toString(), /[Ss]ession store/);
    assert.ok(refused.ms < 5000, `5.03 after ${refused.ms} ms`);
    const unknown = await timed(get(carol));
    assert.equal(unknown.value.code, Code.SERVICE_UNAVAILABLE, 'a socket whose session cannot be looked up is told to retry, not to log in again');
    assert.ok(unknown.ms < 5000, `5.03 after ${unknown.ms} ms`);
    assert.equal((await get(alice)).code, Code.CONTENT, 'the cached session works');
    // past the session cache's freshness (10 s) the store is asked again, fails, and the cached copy still serves
    await new Promise((r) => setTimeout(r, Math.max(0, loginAt + 11_000 - Date.now())));
    const stale = await timed(get(alice));
    assert.equal(stale.value.code, Code.CONTENT, stale.value.payload.toString());
    assert.ok(stale.ms < 5000, `answered after ${stale.ms} ms`);

    await startRedis();
    let back: Message | undefined;
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      back = await login(bob);
      if (back.code === Code.CREATED) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(back?.code, Code.CREATED, 'logins work again once redis is back');
    assert.equal((await get(bob)).code, Code.CONTENT);
    assert.equal((await get(alice)).code, Code.CONTENT, 'the session kept in redis (append-only file) survived');
    assert.equal((await get(carol)).code, Code.UNAUTHORIZED, 'a socket without a session is 4.01 again');
    assert.deepEqual(logs.filter((l) => l.level === 'error').map((l) => l.msg), []);
    assert.ok(logs.some((l) => l.level === 'warn' && /store/i.test(l.msg)), 'the outage was logged');
  } finally {
    await alice.close();
    await bob.close();
    await carol.close();
  }
});
