// e2e: `coap-gateway demo --port 0 --json` (what `npm start` runs) and every coap-client command it prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { requireBinary } from '../support/libcoap.js';
import { runCli, scratch } from './cli-client-harness.js';

interface DemoJson {
  gateway: { host: string; port: number; uri: string };
  tokenService: { url: string; tokenUrl: string; jwksUrl: string; port: number };
  dns: { host: string; port: number };
  domain: string;
  devices: string[];
  milliNics: string[];
  account: { clientId: string; clientSecret: string | null };
  token: string;
  clientPort: number;
  commands: Array<{ title: string; command: string; expect: string }>;
}

async function startDemo(extra: string[] = []): Promise<{ child: ChildProcess; info: DemoJson }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--port', '0', '--json', '--devices', '12', '--mesh-delay-ms', '5', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    once(lines, 'line').then(([l]) => l as string),
    once(child, 'exit').then(([code]) => {
      throw new Error(`demo exited with ${String(code)} before printing: ${stderr}`);
    }),
  ]);
  return { child, info: JSON.parse(first) as DemoJson };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const [code] = (await exited) as [number | null];
  return code;
}

/** Runs a printed shell command with coap-client's message log on (-v 6) and returns the last response code. */
function run(command: string, verbose = true): Promise<{ code: string | undefined; out: string }> {
  const line = verbose ? command.replace('coap-client-notls ', 'coap-client-notls -v 6 -B 20 ') : command;
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', line], { timeout: 30_000 }, (_e, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      const codes = [...out.matchAll(/ c:(\d\.\d\d) /g)].map((m) => m[1]);
      resolve({ code: codes.at(-1), out });
    });
  });
}

test('demo --json prints a stable line and every printed coap-client command works as printed', async () => {
  requireBinary('coap-client-notls');
  const { child, info } = await startDemo();
  try {
    assert.equal(info.gateway.host, '127.0.0.1');
    assert.ok(info.gateway.port > 0 && info.tokenService.port > 0 && info.dns.port > 0);
    assert.equal(info.domain, 'starfish.test');
    assert.equal(info.devices.length + info.milliNics.length, 12);
    for (const d of info.devices) assert.match(d, /^SSN[0-9A-F]{16}\.starfish\.test$/);
    assert.equal(info.account.clientId, 'demo');
    assert.equal(info.token.split('.').length, 3);

    // The token service gives the demo account a token with the printed secret.
    const basic = Buffer.from(`${info.account.clientId}:${info.account.clientSecret ?? ''}`).toString('base64');
    const res = await fetch(info.tokenService.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { token_type: string }).token_type, 'Bearer');

    for (const c of info.commands) {
      const r = await run(c.command);
      assert.equal(r.code, c.expect, `${c.title}: ${c.command}\n${r.out}`);
      if (c.title.startsWith('Observe')) {
        const notifications = [...r.out.matchAll(/ c:2\.05 .*Observe:/g)].length;
        assert.ok(notifications >= 3, `expected several notifications in 5 s, got ${notifications}\n${r.out}`);
      }
      if (c.title.includes('help')) {
        const plain = await run(c.command, false);
        assert.match(plain.out, /^To login, send POST to \/sessions\n.*'&sticky=true'\.\nTo logout, send DELETE to \/sessions\.\nTo echo a payload, send POST to \/echo\./);
      }
    }
    // After logout, a proxied request is refused.
    const after = await run(info.commands.find((c) => c.title.includes('clock') && !c.title.startsWith('Observe'))!.command);
    assert.equal(after.code, '4.01');
  } finally {
    assert.equal(await stop(child), 0, 'Ctrl-C stops the demo cleanly');
  }
});

test('two demos with --port 0 run side by side', async () => {
  const [a, b] = await Promise.all([startDemo(), startDemo()]);
  try {
    assert.notEqual(a.info.gateway.port, b.info.gateway.port);
    assert.notEqual(a.info.tokenService.port, b.info.tokenService.port);
    assert.notEqual(a.info.dns.port, b.info.dns.port);
  } finally {
    await Promise.all([stop(a.child), stop(b.child)]);
  }
});

test("the CLI client's walk-through against the demo: login, get, discover, observe, logout", async () => {
  const { child, info } = await startDemo();
  const s = scratch();
  try {
    const gw = `${info.gateway.host}:${info.gateway.port}`;
    const device = info.devices[0]!;
    const login = await runCli(['login', '--gateway', gw, '--token-url', info.tokenService.url, '--client-id', info.account.clientId, '--client-secret', info.account.clientSecret ?? ''], s.statePath);
    assert.equal(login.code, 0, login.stderr);
    const time = await runCli(['get', `${device}/time`], s.statePath);
    assert.equal(time.code, 0, time.stderr);
    assert.match(time.stdout, /2\.05 Content/);
    const wkc = await runCli(['discover', device], s.statePath);
    assert.equal(wkc.code, 0, wkc.stderr);
    assert.match(wkc.stdout, /\/gpio/);
    const obs = await runCli(['observe', `${device}/time`, '--count', '2'], s.statePath, { timeoutMs: 30_000 });
    assert.equal(obs.code, 0, obs.stderr);
    const missing = await runCli(['get', `${device}/dummy`], s.statePath);
    assert.equal(missing.code, 5, 'a 5.01 from the device exits 5');
    const logout = await runCli(['logout'], s.statePath);
    assert.equal(logout.code, 0, logout.stderr);
    const after = await runCli(['get', `${device}/time`, '--gateway', gw], s.statePath);
    assert.equal(after.code, 4, 'no session after logout: 4.01');
  } finally {
    s.cleanup();
    await stop(child);
  }
});

test("the README's walk-through shows the commands the demo prints", async () => {
  const { child, info } = await startDemo();
  try {
    const readme = readFileSync('README.md', 'utf8');
    const device = info.devices[0]!;
    for (const c of info.commands) {
      const generic = c.command
        .replaceAll(info.token, '<token>')
        .replaceAll(`-p ${info.clientPort}`, '-p 12345')
        .replaceAll(info.gateway.uri, 'coap://127.0.0.1:5683')
        .replaceAll(device, 'SSN001350050005E7D6.starfish.test');
      assert.ok(readme.includes(generic), `README lacks: ${generic}`);
    }
  } finally {
    await stop(child);
  }
});
