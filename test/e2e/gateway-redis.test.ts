// e2e: two gateway instances sharing sessions in a real redis-server: a login on one works on the other, also after it dies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort, startSimulator, type RunningSimulator } from '../../src/app/index.js';
import { parseAccounts, startTokenService, type RunningTokenService } from '../../src/token-service/index.js';
import { coapClient, findProgram, startGatewayCli, type GatewayProcess } from './gateway-harness.js';
import { freeTcpPort, waitForTcp } from '../support/tcp-port.js';

const DOMAIN = 'redis.test';
const FIRST_INDEX = 254 * 174;

let cc: string;
let dir: string;
let redis: ChildProcess;
let redisPort: number;
let sim: RunningSimulator;
let tokens: RunningTokenService;
let a: GatewayProcess;
let b: GatewayProcess;

before(async () => {
  cc = findProgram('coap-client-notls');
  findProgram('redis-server');
  dir = mkdtempSync(join(tmpdir(), 'gw-redis-'));
  redisPort = await freeTcpPort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForTcp(redisPort, 10_000, 'redis-server');
  sim = await startSimulator({ devices: 1, domain: DOMAIN, dnsPort: 0, firstAddressIndex: FIRST_INDEX, logLevel: 'silent' });
  const accounts = parseAccounts({ accounts: [{ clientId: 'alice', secret: 'plain:a', permissions: [{ devices: ['*'], methods: ['all'] }] }] });
  assert.ok(accounts.ok);
  tokens = await startTokenService({ accounts: accounts.value, issuer: 'urn:test:redis' });
  const token = await tokens.issueToken('alice');
  assert.ok(token.ok);
  writeFileSync(join(dir, 'token'), token.value.accessToken);
  const args = [
    '--host', '127.0.0.1', '--port', '0', '--domain', DOMAIN, '--dns-server', sim.dns.endpoint,
    '--store', 'redis', '--redis-url', `redis://127.0.0.1:${redisPort}`,
    '--jwks-url', tokens.jwksUrl, '--issuer', 'urn:test:redis', '--log-level', 'warn',
  ];
  a = await startGatewayCli(args);
  b = await startGatewayCli(args);
});

after(async () => {
  await a?.stop();
  await b?.stop();
  await tokens?.close();
  await sim?.close();
  redis?.kill('SIGTERM');
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test('a session made on one instance serves requests on the other, and survives the first instance dying', async () => {
  const port = String(await freeUdpPort());
  const device = `coap://${sim.fleet.devices[0]?.identity.name ?? ''}/time`;
  const login = await coapClient(cc, ['-m', 'post', '-t', '0', '-f', join(dir, 'token'), '-p', port, `coap://127.0.0.1:${a.port}/sessions`]);
  assert.doesNotMatch(login.stderr, /\d\.\d\d/, login.stderr);
  const viaB = await coapClient(cc, ['-m', 'get', '-p', port, '-P', `coap://127.0.0.1:${b.port}`, device]);
  assert.match(viaB.stdout.trim(), /^\d+$/, viaB.stderr);
  await a.stop();
  const afterFailure = await coapClient(cc, ['-m', 'get', '-p', port, '-P', `coap://127.0.0.1:${b.port}`, device]);
  assert.match(afterFailure.stdout.trim(), /^\d+$/, afterFailure.stderr);
  const logout = await coapClient(cc, ['-v', '6', '-m', 'delete', '-p', port, `coap://127.0.0.1:${b.port}/sessions`]);
  assert.match(logout.stdout, /c:2\.02/);
});
