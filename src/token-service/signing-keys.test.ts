// Unit tests: signing keys persisted 0600, reused, rotated and retired on time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../test/support/fake-clock.js';
import { openSigningKeys, KEY_FILE_NAME } from './signing-keys.js';

const HOUR = 3_600_000;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coap-gw-keys-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('first start generates a key, kept 0600 and reused on the next start', () =>
  withDir(async (dir) => {
    const clock = new FakeClock();
    const first = await openSigningKeys({ dataDir: join(dir, 'data'), algorithm: 'EdDSA', clock, retainRetiredMs: HOUR });
    const kid = (await first.current()).kid;
    const file = join(dir, 'data', KEY_FILE_NAME);
    assert.equal(first.file, file);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'data'))).mode & 0o777, 0o700);
    const jwks = first.jwks();
    assert.equal(jwks.keys.length, 1);
    assert.deepEqual(Object.keys(jwks.keys[0] ?? {}).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    assert.equal(jwks.keys[0]?.alg, 'EdDSA');
    const second = await openSigningKeys({ dataDir: join(dir, 'data'), algorithm: 'EdDSA', clock, retainRetiredMs: HOUR });
    assert.equal((await second.current()).kid, kid, 'same key after a restart');
  }));

test('rotation publishes the old public key until its tokens have expired', () =>
  withDir(async (dir) => {
    const clock = new FakeClock();
    const keys = await openSigningKeys({ dataDir: dir, algorithm: 'EdDSA', clock, retainRetiredMs: HOUR });
    const oldKid = (await keys.current()).kid;
    const newKid = (await keys.rotate()).kid;
    assert.notEqual(newKid, oldKid);
    assert.equal((await keys.current()).kid, newKid);
    assert.deepEqual(keys.jwks().keys.map((k) => k.kid), [newKid, oldKid]);
    clock.advance(HOUR - 1);
    assert.equal(keys.jwks().keys.length, 2);
    clock.advance(1);
    assert.deepEqual(keys.jwks().keys.map((k) => k.kid), [newKid]);
    // and the file forgets it at the next start
    const reopened = await openSigningKeys({ dataDir: dir, algorithm: 'EdDSA', clock, retainRetiredMs: HOUR });
    assert.deepEqual(reopened.jwks().keys.map((k) => k.kid), [newKid]);
    const stored = JSON.parse(await readFile(join(dir, KEY_FILE_NAME), 'utf8')) as { keys: unknown[] };
    assert.equal(stored.keys.length, 1);
  }));

test('automatic rotation by age, and a new algorithm starts a new key', () =>
  withDir(async (dir) => {
    const clock = new FakeClock();
    const keys = await openSigningKeys({ dataDir: dir, algorithm: 'EdDSA', clock, retainRetiredMs: HOUR, rotateAfterMs: 24 * HOUR });
    const first = (await keys.current()).kid;
    clock.advance(24 * HOUR);
    const [a, b] = await Promise.all([keys.current(), keys.current()]);
    assert.notEqual(a.kid, first);
    assert.equal(a.kid, b.kid, 'concurrent callers share one rotation');
    const es = await openSigningKeys({ dataDir: dir, algorithm: 'ES256', clock, retainRetiredMs: HOUR });
    const current = await es.current();
    assert.equal(current.alg, 'ES256');
    assert.deepEqual(es.jwks().keys.map((k) => k.alg), ['ES256', 'EdDSA', 'EdDSA'], 'both retired keys are still published');
    assert.equal(es.jwks().keys[0]?.crv, 'P-256');
  }));

test('a corrupt key file stops the start with a clear message; loose permissions are fixed', () =>
  withDir(async (dir) => {
    const clock = new FakeClock();
    await writeFile(join(dir, KEY_FILE_NAME), '{ broken');
    await assert.rejects(openSigningKeys({ dataDir: dir, algorithm: 'EdDSA', clock, retainRetiredMs: HOUR }), /unusable \(not JSON\)/);
    await rm(join(dir, KEY_FILE_NAME));
    await openSigningKeys({ dataDir: dir, algorithm: 'EdDSA', clock, retainRetiredMs: HOUR });
    await chmod(join(dir, KEY_FILE_NAME), 0o644);
    await openSigningKeys({ dataDir: dir, algorithm: 'EdDSA', clock, retainRetiredMs: HOUR });
    assert.equal((await stat(join(dir, KEY_FILE_NAME))).mode & 0o777, 0o600);
  }));

test('without a data directory the keys live in memory', async () => {
  const keys = await openSigningKeys({ algorithm: 'EdDSA', clock: new FakeClock(), retainRetiredMs: HOUR });
  assert.equal(keys.file, undefined);
  assert.equal(keys.jwks().keys.length, 1);
});
