// e2e: the `coap-gateway` client commands against the real gateway, mesh simulator and token service on loopback UDP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, startSimulator, type RunningGateway, type RunningSimulator } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { parseAccounts, startTokenService, type RunningTokenService } from '../../src/token-service/index.js';
import { runCli, scratch } from './cli-client-harness.js';

const DOMAIN = 'starfish.test';
// A block of loopback addresses of its own (127.1.211.x), so other suites can run fleets at the same time.
const FIRST_INDEX = 254 * 211;

let dir: string;
let tokens: RunningTokenService | undefined;
let sim: RunningSimulator | undefined;
let gateway: RunningGateway | undefined;
let gw: string;
let device: string;
let tokenUrl: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-client-gw-'));
  const accounts = parseAccounts({
    accounts: [
      { clientId: 'alice', secret: 'plain:wonderland', permissions: [{ devices: ['*'], methods: ['all'] }] },
      { clientId: 'reader', secret: 'plain:r', permissions: [{ devices: ['*'], methods: ['GET'] }] },
    ],
  });
  assert.ok(accounts.ok);
  const t = await startTokenService({ accounts: accounts.value, host: '127.0.0.1', port: 0 });
  tokens = t;
  tokenUrl = t.url;
  const s = await startSimulator({
    devices: 2, domain: DOMAIN, dnsHost: '127.0.0.1', dnsPort: 0, delayMs: 2, plugtest: 1, observePeriodMs: 300, firstAddressIndex: FIRST_INDEX, logLevel: 'silent',
  });
  sim = s;
  const config = parseConfig({
    listen: [{ host: '127.0.0.1', port: 0 }],
    local: { names: ['localhost', '127.0.0.1'] },
    resolver: { domains: [{ name: DOMAIN, dnsServers: [`127.0.0.1:${s.dns.port}`] }] },
    sessions: { store: { kind: 'sqlite', path: join(dir, 'sessions.db') } },
    auth: { jwksUrl: t.jwksUrl, issuer: t.issuer, audience: t.audience },
  });
  assert.ok(config.ok, config.ok ? '' : config.error.join('\n'));
  const g = await startGateway(config.value, { logLevel: 'silent' });
  gateway = g;
  gw = `127.0.0.1:${g.port}`;
  device = s.fleet.devices[0]?.identity.name ?? '';
  assert.match(device, /^SSN[0-9A-F]{16}\.starfish\.test$/);
});

after(async () => {
  // Defensive: `before` may have failed part-way (e.g. the address block was taken).
  await gateway?.close();
  await sim?.close();
  await tokens?.close();
  rmSync(dir, { recursive: true, force: true });
});

const login = (statePath: string, id = 'alice', secret = 'wonderland'): ReturnType<typeof runCli> =>
  runCli(['login', '--gateway', gw, '--token-url', tokenUrl, '--client-id', id, '--client-secret', secret], statePath);

test('the walk-through: login with client credentials, get, discover, observe, status, logout', async () => {
  const s = scratch();
  try {
    const denied = await runCli(['get', `${device}/time`, '--gateway', gw], s.statePath);
    assert.equal(denied.code, 4);
    assert.match(denied.stderr, /^coap-gateway: 4\.01 Unauthorized: no session for 127\.0\.0\.1:\d+ — run `coap-gateway login`\n$/);

    const li = await login(s.statePath);
    assert.equal(li.code, 0, li.stderr);
    assert.match(li.stdout, /^Logged in to 127\.0\.0\.1:\d+ as alice: session bound to 127\.0\.0\.1:\d+; token valid until /);
    const state = JSON.parse(readFileSync(s.statePath, 'utf8')) as { localPort: number; session: { account: string } };
    assert.equal(state.session.account, 'alice');

    const time = await runCli(['get', `${device}/time`], s.statePath);
    assert.equal(time.code, 0, time.stderr);
    assert.match(time.stdout, /^2\.05 Content\n {2}Content-Format: text\/plain;charset=utf-8 \(0\)\n(?: {2}.*\n)*\n\d{10}\n$/);

    const discover = await runCli(['discover', device], s.statePath);
    assert.equal(discover.code, 0, discover.stderr);
    assert.match(discover.stdout, new RegExp(`^\\d+ resources at coap://${device.toLowerCase().replace(/\./g, '\\.')}/\\.well-known/core\\n\\nRESOURCE +RT +IF`));
    assert.match(discover.stdout, /\n\/time +ssn\.time +core\.p .*yes +Device clock\n/);

    const observed = await runCli(['observe', `${device}/time`, '--count', '2', '--json'], s.statePath);
    assert.equal(observed.code, 0, observed.stderr);
    const notes = observed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; code: string; observe: number | null });
    assert.deepEqual(notes.map((n) => [n.seq, n.code]), [[1, '2.05'], [2, '2.05']]);
    assert.ok(notes.every((n) => typeof n.observe === 'number'), 'notifications carry Observe');

    const status = await runCli(['status', '--json'], s.statePath);
    assert.equal(status.code, 0, status.stderr);
    const st = JSON.parse(status.stdout) as { loggedIn: boolean; localPort: number; tokenExpired: boolean; ping: { ok: boolean } };
    assert.deepEqual([st.loggedIn, st.localPort, st.tokenExpired, st.ping.ok], [true, state.localPort, false, true]);

    const lo = await runCli(['logout'], s.statePath);
    assert.equal(lo.code, 0, lo.stderr);
    assert.equal(existsSync(s.statePath), false);
    const after = await runCli(['get', `${device}/time`, '--gateway', gw, '--port', String(state.localPort)], s.statePath);
    assert.equal(after.code, 4, 'the session is gone');
    assert.match(after.stderr, new RegExp(`no session for 127\\.0\\.0\\.1:${state.localPort}`));
  } finally {
    s.cleanup();
  }
});

test('block-wise through the real gateway: Block2 download, Block1 upload, Block1 + Block2 POST', async () => {
  const s = scratch();
  try {
    assert.equal((await login(s.statePath)).code, 0);
    const large = await runCli(['get', `${device}/large`, '--json'], s.statePath);
    assert.equal(large.code, 0, large.stderr);
    const got = JSON.parse(large.stdout) as { payloadBytes: number; options: Array<{ name: string }> };
    assert.equal(got.payloadBytes, 2700);
    assert.ok(!got.options.some((o) => o.name === 'Block2'), 'reassembled');

    const body = 'block-wise '.repeat(300);
    const file = join(s.dir, 'body.txt');
    writeFileSync(file, body);
    const put = await runCli(['put', `${device}/large-update`, '--file', file, '--content-format', 'text', '--block-size', '256'], s.statePath);
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout, /^2\.04 Changed\n/);
    const back = await runCli(['get', `${device}/large-update`, '--json'], s.statePath);
    assert.equal((JSON.parse(back.stdout) as { payload: string }).payload, body);

    const post = await runCli(['post', `${device}/large-post`, '--file', file, '-c', '0', '--json'], s.statePath);
    assert.equal(post.code, 0, post.stderr);
    const answer = JSON.parse(post.stdout) as { code: string; payloadBytes: number };
    assert.equal(answer.code, '2.04');
    assert.ok(answer.payloadBytes > 1024, `a multi-block answer (${answer.payloadBytes} bytes)`);
  } finally {
    s.cleanup();
  }
});

test('errors from the real stack: bad secret, unknown device, missing resource, permission, refused token', async () => {
  const s = scratch();
  try {
    const wrong = await login(s.statePath, 'alice', 'nope');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /cannot get a token: token request failed \(HTTP 401\)/);

    const garbage = await runCli(['login', '--gateway', gw, '--token', 'not-a-jwt'], s.statePath);
    assert.equal(garbage.code, 4);
    assert.match(garbage.stderr, /^coap-gateway: 4\.01 Unauthorized: the gateway refused the token: .+ — get a fresh token and log in again\n$/);
    assert.equal(existsSync(s.statePath), false);

    assert.equal((await login(s.statePath)).code, 0);
    const unknown = await runCli(['get', `SSN0000000000000000.${DOMAIN}/time`], s.statePath);
    assert.equal(unknown.code, 5);
    assert.match(unknown.stderr, /^coap-gateway: 5\.02 Bad Gateway: .*ssn0000000000000000\.starfish\.test/i);
    const dummy = await runCli(['get', `${device}/dummy`], s.statePath);
    assert.equal(dummy.code, 5);
    assert.match(dummy.stderr, /^coap-gateway: 5\.01 Not Implemented/);

    const r = scratch();
    try {
      assert.equal((await login(r.statePath, 'reader', 'r')).code, 0);
      assert.equal((await runCli(['get', `${device}/time`], r.statePath)).code, 0);
      const put = await runCli(['put', `${device}/gpio`, '--payload', '1'], r.statePath);
      assert.equal(put.code, 4);
      assert.match(put.stderr, /4\.01 Unauthorized: Account reader may not PUT .* — the account's permissions do not cover this device or method/);
      assert.equal((await runCli(['logout'], r.statePath)).code, 0);
    } finally {
      r.cleanup();
    }
    assert.equal((await runCli(['logout', '--json'], s.statePath)).code, 0);
  } finally {
    s.cleanup();
  }
});
