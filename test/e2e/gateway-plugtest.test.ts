// e2e: ETSI plugtest TDs (CORE, LINK, BLOCK, OBS) as coap-client-notls -> gateway CLI -> simulator plugtest device.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort, startSimulator, type RunningSimulator } from '../../src/app/index.js';
import { parseAccounts, startTokenService, type RunningTokenService } from '../../src/token-service/index.js';
import { coapClient, findProgram, startGatewayCli, type GatewayProcess } from './gateway-harness.js';

const DOMAIN = 'plugtest.test';
// Own loopback block (127.1.173.x) so other suites can run fleets at the same time.
const FIRST_INDEX = 254 * 173;

let cc: string;
let dir: string;
let sim: RunningSimulator;
let tokens: RunningTokenService;
let gateway: GatewayProcess;
let port: string;
let device: string;

before(async () => {
  cc = findProgram('coap-client-notls');
  dir = mkdtempSync(join(tmpdir(), 'gw-plugtest-'));
  sim = await startSimulator({ devices: 1, domain: DOMAIN, dnsPort: 0, plugtest: 1, observePeriodMs: 1000, firstAddressIndex: FIRST_INDEX, logLevel: 'silent' });
  device = `coap://${sim.fleet.devices[0]?.identity.name ?? ''}`;
  const accounts = parseAccounts({ accounts: [{ clientId: 'tester', secret: 'plain:t', permissions: [{ devices: ['*'], methods: ['all'] }] }] });
  assert.ok(accounts.ok);
  tokens = await startTokenService({ accounts: accounts.value, issuer: 'urn:test:plugtest' });
  const token = await tokens.issueToken('tester');
  assert.ok(token.ok);
  writeFileSync(join(dir, 'token'), token.value.accessToken);
  gateway = await startGatewayCli([
    '--host', '127.0.0.1', '--port', '0', '--domain', DOMAIN, '--dns-server', sim.dns.endpoint, '--store', 'memory',
    '--jwks-url', tokens.jwksUrl, '--issuer', 'urn:test:plugtest', '--deadline', '5s', '--log-level', 'warn',
  ]);
  port = String(await freeUdpPort());
  const login = await coapClient(cc, ['-m', 'post', '-t', '0', '-f', join(dir, 'token'), '-p', port, `coap://127.0.0.1:${gateway.port}/sessions`]);
  assert.doesNotMatch(login.stderr, /\d\.\d\d/, login.stderr);
});

after(async () => {
  await gateway?.stop();
  await tokens?.close();
  await sim?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** coap-client through the gateway with the session's client port; `-v 6` prints every message. */
const via = (args: readonly string[], path: string) => coapClient(cc, ['-v', '6', '-p', port, '-P', `coap://127.0.0.1:${gateway.port}`, ...args, `${device}${path}`]);

test('TD_COAP_CORE_01-04: GET, DELETE, PUT, POST with CON', async () => {
  const put = await via(['-m', 'put', '-t', '0', '-e', 'plugtest'], '/test');
  assert.match(put.stdout, /c:2\.04/);
  const get = await via(['-m', 'get'], '/test');
  assert.match(get.stdout, /t:ACK c:2\.05 .*:: 'plugtest'/);
  const post = await via(['-m', 'post', '-t', '0', '-e', 'x'], '/test');
  assert.match(post.stdout, /c:2\.01/);
  const del = await via(['-m', 'delete'], '/test');
  assert.match(del.stdout, /c:2\.02/);
});

test('TD_COAP_CORE_05-08: the same with NON: NON responses, no ACK', async () => {
  const get = await via(['-N', '-m', 'get'], '/test');
  assert.match(get.stdout, /t:NON c:2\.05/);
  const put = await via(['-N', '-m', 'put', '-t', '0', '-e', 'y'], '/test');
  assert.match(put.stdout, /t:NON c:2\.04/);
  const post = await via(['-N', '-m', 'post', '-t', '0', '-e', 'y'], '/test');
  assert.match(post.stdout, /t:NON c:2\.01/);
  const del = await via(['-N', '-m', 'delete'], '/test');
  assert.match(del.stdout, /t:NON c:2\.02/);
});

test('TD_COAP_CORE_09/11/17: separate responses keep the token; NON stays NON', async () => {
  const sep = await via(['-m', 'get', '-T', 'abcd'], '/separate');
  // coap-client derives its token from -T (it may count it up): the response carries the request's token
  assert.match(sep.stdout, /c:GET i:\S+ \{(6162636[0-9a-f])\}[\s\S]*t:CON c:2\.05 i:\S+ \{\1\}/);
  const non = await via(['-N', '-m', 'get'], '/separate');
  assert.match(non.stdout, /t:NON c:2\.05/);
});

test('TD_COAP_CORE_10/13/14: token echoed, several Uri-Path and Uri-Query reach the device', async () => {
  const tok = await via(['-m', 'get', '-T', 'tok'], '/test');
  assert.match(tok.stdout, /c:GET i:\S+ \{(746f[0-9a-f]{2})\}[\s\S]*t:ACK c:2\.05 i:\S+ \{\1\}/);
  const seg = await via(['-m', 'get'], '/seg1/seg2/seg3');
  assert.match(seg.stdout, /'seg1\/seg2\/seg3'/);
  const query = await via(['-m', 'get'], '/query?first=1&second=2&third=3');
  assert.match(query.stdout, /'query: first=1&second=2&third=3'/);
});

test('TD_COAP_CORE_18/19/24/25: Location-Path and Location-Query relayed unchanged', async () => {
  const path = await via(['-m', 'post', '-t', '0', '-e', 'x'], '/test');
  assert.match(path.stdout, /Location-Path:location1, Location-Path:location2, Location-Path:location3/);
  const query = await via(['-m', 'post', '-t', '0', '-e', 'x'], '/location-query');
  assert.match(query.stdout, /Location-Query:first=1, Location-Query:second=2/);
});

test('TD_COAP_CORE_20/26: Accept selects the format; each variant cached apart', async () => {
  const text = await via(['-m', 'get', '-A', '0'], '/multi-format');
  assert.match(text.stdout, /Content-Format:text\/plain/);
  const xml = await via(['-m', 'get', '-A', '41'], '/multi-format');
  assert.match(xml.stdout, /Content-Format:application\/xml/);
});

test('TD_COAP_CORE_21/29: ETag validation answers 2.03; Max-Age counts down from the cache', async () => {
  const first = await via(['-m', 'get'], '/validate');
  const etag = /ETag:0x([0-9a-fA-F]+)/.exec(first.stdout)?.[1];
  assert.ok(etag, first.stdout);
  const valid = await via(['-m', 'get', '-O', `4,0x${etag}`], '/validate');
  assert.match(valid.stdout, /c:2\.03/);
  await new Promise((r) => setTimeout(r, 2100));
  const cached = await via(['-m', 'get'], '/validate');
  const maxAge = Number(/Max-Age:(\d+)/.exec(cached.stdout)?.[1]);
  assert.ok(maxAge < 30, `Max-Age ${maxAge} comes from the cache`);
});

test('TD_COAP_CORE_22/23/27/28: If-Match and If-None-Match pass through; 4.12 relayed', async () => {
  const first = await via(['-m', 'put', '-t', '0', '-e', 'v1', '-O', '5,'], '/create1');
  assert.match(first.stdout, /c:2\.01/);
  const again = await via(['-m', 'put', '-t', '0', '-e', 'v2', '-O', '5,'], '/create1');
  assert.match(again.stderr, /4\.12/);
  const wrong = await via(['-m', 'put', '-t', '0', '-e', 'v3', '-O', '1,0xdeadbeef'], '/validate');
  assert.match(wrong.stderr, /4\.12/);
});

test('TD_COAP_LINK_01-08: discovery and filters of the device, relayed unchanged', async () => {
  const all = await via(['-m', 'get'], '/.well-known/core');
  assert.match(all.stdout, /<\/link1>/);
  const rt = await via(['-m', 'get'], '/.well-known/core?rt=Type2');
  assert.match(rt.stdout, /<\/link1>.*<\/link2>/s);
  assert.doesNotMatch(rt.stdout, /<\/link3>/);
  const href = await via(['-m', 'get'], '/.well-known/core?href=/link*');
  assert.match(href.stdout, /<\/link1>.*<\/link2>.*<\/link3>/s);
});

test('TD_COAP_BLOCK_01/02/06: Block2 at 16 and 1024 bytes and late negotiation give the same body', async () => {
  const late = await coapClient(cc, ['-p', port, '-P', `coap://127.0.0.1:${gateway.port}`, '-m', 'get', `${device}/large`]);
  assert.ok(late.stdout.length > 1024);
  for (const size of ['16', '1024']) {
    const r = await coapClient(cc, ['-p', port, '-P', `coap://127.0.0.1:${gateway.port}`, '-m', 'get', '-b', size, `${device}/large`]);
    assert.equal(r.stdout, late.stdout, `-b ${size}`);
  }
});

test('TD_COAP_BLOCK_03/04: Block1 PUT and POST of a large body', async () => {
  const body = join(dir, 'big.txt');
  writeFileSync(body, 'plugtest-'.repeat(100));
  const put = await coapClient(cc, ['-p', port, '-P', `coap://127.0.0.1:${gateway.port}`, '-m', 'put', '-b', '64', '-t', '0', '-f', body, `${device}/large-update`]);
  assert.doesNotMatch(put.stderr, /[45]\.\d\d/);
  const back = await coapClient(cc, ['-p', port, '-P', `coap://127.0.0.1:${gateway.port}`, '-m', 'get', `${device}/large-update`]);
  assert.equal(back.stdout.trim(), 'plugtest-'.repeat(100));
  const post = await via(['-m', 'post', '-b', '64', '-t', '0', '-f', body], '/large-create');
  assert.match(post.stdout, /c:2\.01/);
});

test('TD_COAP_OBS_01/12: CON notifications with increasing Observe, then deregistration', async () => {
  const r = await via(['-m', 'get', '-s', '4'], '/obs');
  const values = [...r.stdout.matchAll(/Observe:(\d+)/g)].map((m) => Number(m[1]));
  assert.ok(values.length >= 3, r.stdout);
  for (let i = 1; i < values.length; i++) assert.ok((values[i] ?? 0) > (values[i - 1] ?? 0), `increasing: ${values.join(',')}`);
});
