// End to end: the real CLI runs the token service on 127.0.0.1; tokens fetched over HTTP verify
// against the served JWKS, also after a restart with the same data directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/base/index.js';
import { createTokenVerifier } from '../../src/auth/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const STARTUP_MS = 20_000;

function runCli(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** Starts `token-service` and resolves with its URL (the first stdout line). */
function startService(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, 'token-service', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`token-service printed no URL within ${STARTUP_MS} ms; stderr: ${errText}`));
    }, STARTUP_MS);
    child.stderr?.on('data', (d: Buffer) => (errText += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0] ?? '';
      if (out.includes('\n')) {
        clearTimeout(timer);
        if (/^http:\/\/127\.0\.0\.1:\d+$/.test(line)) resolve({ child, url: line });
        else reject(new Error(`unexpected first line ${JSON.stringify(line)}; stderr: ${errText}`));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`token-service exited with ${code}: ${errText}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function requestToken(url: string, id: string, secret: string) {
  return fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
}

test('token service CLI: hash a secret, serve tokens, verify them through the JWKS URL, survive a restart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'coap-gw-e2e-ts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  const hashed = await runCli(['hash-secret'], 's3cret-key\n');
  assert.equal(hashed.code, 0, hashed.stderr);
  const hash = hashed.stdout.trim();
  assert.match(hash, /^scrypt\$N=32768,r=8,p=1\$/);

  const accountsFile = join(dir, 'accounts.json');
  await writeFile(accountsFile, JSON.stringify({
    accounts: [{ clientId: 'meter-app', secret: hash, sessionLimit: 5, permissions: [{ devices: ['SSN0013*.starfish.test'], methods: ['read'] }] }],
  }));
  const dataDir = join(dir, 'data');

  const first = await startService(['--accounts', accountsFile, '--port', '0', '--data-dir', dataDir]);
  t.after(() => stop(first.child));
  const ok = await requestToken(first.url, 'meter-app', 's3cret-key');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('cache-control'), 'no-store');
  const body = (await ok.json()) as { access_token: string; token_type: string; expires_in: number };
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 3600);

  const verifier = createTokenVerifier({
    jwksUrl: `${first.url}/.well-known/jwks.json`, issuer: first.url, audience: 'coap-gateway', clock: systemClock,
  });
  const claims = await verifier.verify(body.access_token);
  assert.ok(claims.ok, JSON.stringify(claims));
  assert.equal(claims.value.subject, 'meter-app');
  assert.equal(claims.value.sessionLimit, 5);
  assert.equal(claims.value.permissions.allows('SSN001350050005E7D6.starfish.test', 1), true);
  assert.equal(claims.value.permissions.allows('SSN001350050005E7D6.starfish.test', 3), false);

  const wrong = await requestToken(first.url, 'meter-app', 'guess');
  assert.equal(wrong.status, 401);
  assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client');

  const viaCli = await runCli(['token', '--url', first.url, '--client-id', 'meter-app', '--client-secret', 's3cret-key']);
  assert.equal(viaCli.code, 0, viaCli.stderr);
  assert.equal(viaCli.stdout.endsWith('\n'), false, 'no newline into a pipe');
  assert.ok((await verifier.verify(viaCli.stdout)).ok);
  const refused = await runCli(['token', '--url', first.url, '--client-id', 'meter-app', '--client-secret', 'nope']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /HTTP 401\): invalid_client/);

  assert.equal((await stat(join(dataDir, 'signing-keys.json'))).mode & 0o777, 0o600);
  await stop(first.child);

  // Same data directory: same key, so the token from the first run still verifies.
  const second = await startService(['--accounts', accountsFile, '--port', '0', '--data-dir', dataDir]);
  t.after(() => stop(second.child));
  const again = createTokenVerifier({
    jwksUrl: `${second.url}/.well-known/jwks.json`, issuer: first.url, audience: 'coap-gateway', clock: systemClock,
  });
  const still = await again.verify(body.access_token);
  assert.ok(still.ok, JSON.stringify(still));
  await stop(second.child);
});

test('token-service CLI refuses a bad accounts file, naming the field', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'coap-gw-e2e-ts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'accounts.json');
  await writeFile(file, JSON.stringify({ accounts: [{ clientId: 'a', secret: 'plain:x', permissions: [{ devices: ['*'], methods: ['GET', 'GTE'] }] }] }));
  const r = await runCli(['token-service', '--accounts', file, '--port', '0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /accounts\[0\]\.permissions\[0\]\.methods\[1\]: unknown method "GTE"/);
});
