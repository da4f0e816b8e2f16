// e2e: the `coap-gateway gateway` command refuses bad configuration with errors that name the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
}

test('a bad config file: exit code 1 and every error with its field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-cli-'));
  try {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'listen:\n  - host: nowhere\n    port: 99999\nforwarding:\n  upstreamDeadlineMs: soon\nauth:\n  jwksFile: k.json\n');
    const r = cli(['gateway', '--config', file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /listen\[0\]\.host/);
    assert.match(r.stderr, /listen\[0\]\.port/);
    assert.match(r.stderr, /forwarding\.upstreamDeadlineMs/);
    assert.match(r.stderr, /auth\.issuer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing JWKS file is a clear startup error, and env overrides are read', () => {
  const r = cli(['gateway', '--store', 'memory', '--port', '0', '--host', '127.0.0.1', '--issuer', 'i'], { COAP_GATEWAY_JWKS_FILE: '/nonexistent/jwks.json' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /auth\.jwksFile \/nonexistent\/jwks\.json/);
});
