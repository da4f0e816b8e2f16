// Unit tests: where the state file lives, its format, and atomic private writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseState, readState, removeState, resolveStatePath, serializeState, writeState, type ClientState } from './state-file.js';
import { peekToken } from './token-peek.js';

const STATE: ClientState = {
  gateway: { host: '::1', port: 5690 },
  localPort: 40000,
  bindHost: '::1',
  session: { loggedInAtMs: 1_795_000_000_000, sticky: true, account: 'demo', tokenExpiresAtMs: 1_795_003_600_000 },
};

test('the path: --state, then $COAP_GATEWAY_STATE, then $XDG_STATE_HOME, then ~/.local/state', () => {
  const home = '/home/u';
  assert.equal(resolveStatePath({ override: '/x/s.json', env: { COAP_GATEWAY_STATE: '/y', XDG_STATE_HOME: '/z' }, homeDir: home }), '/x/s.json');
  assert.equal(resolveStatePath({ env: { COAP_GATEWAY_STATE: '/y/s.json', XDG_STATE_HOME: '/z' }, homeDir: home }), '/y/s.json');
  assert.equal(resolveStatePath({ env: { XDG_STATE_HOME: '/z' }, homeDir: home }), '/z/coap-gateway/client.json');
  assert.equal(resolveStatePath({ env: { XDG_STATE_HOME: 'relative' }, homeDir: home }), '/home/u/.local/state/coap-gateway/client.json', 'a relative XDG path is ignored');
  assert.equal(resolveStatePath({ override: '', env: { COAP_GATEWAY_STATE: '' }, homeDir: home }), '/home/u/.local/state/coap-gateway/client.json');
});

test('serialize and parse round-trip; a state without a session is valid', () => {
  assert.deepEqual(parseState(serializeState(STATE)), { ok: true, value: STATE });
  const { session: _session, ...bare } = STATE;
  assert.deepEqual(parseState(serializeState(bare)), { ok: true, value: bare });
  assert.match(serializeState(STATE), /"gateway": "\[::1\]:5690"/);
});

test('damaged state is refused with the field that is wrong', () => {
  const good = JSON.parse(serializeState(STATE)) as Record<string, unknown>;
  const cases: Array<[unknown, RegExp]> = [
    ['{', /not JSON/],
    [[], /not a JSON object/],
    [{ ...good, version: 2 }, /unknown version 2/],
    [{ ...good, gateway: 5 }, /"gateway" must be/],
    [{ ...good, gateway: 'h:0' }, /"gateway": bad gateway port/],
    [{ ...good, localPort: 0 }, /"localPort"/],
    [{ ...good, localPort: 1.5 }, /"localPort"/],
    [{ ...good, bindHost: '' }, /"bindHost"/],
    [{ ...good, session: 'yes' }, /"session" must be an object/],
    [{ ...good, session: { sticky: true } }, /loggedInAtMs/],
    [{ ...good, session: { loggedInAtMs: 1, sticky: 'no' } }, /sticky/],
    [{ ...good, session: { loggedInAtMs: 1, sticky: false, account: 3 } }, /account/],
    [{ ...good, session: { loggedInAtMs: 1, sticky: false, tokenExpiresAtMs: -1 } }, /tokenExpiresAtMs/],
  ];
  for (const [doc, expected] of cases) {
    const r = parseState(typeof doc === 'string' ? doc : JSON.stringify(doc));
    assert.equal(r.ok, false, JSON.stringify(doc));
    assert.match(r.ok ? '' : r.error, expected);
  }
});

test('files: absent reads as undefined, writes are private (0600 in a 0700 folder) and atomic, remove reports', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'client-state-'));
  try {
    const path = join(dir, 'nested', 'client.json');
    assert.deepEqual(await readState(path), { ok: true, value: undefined });
    assert.deepEqual(await writeState(path, STATE), { ok: true, value: undefined });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'nested')).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['client.json'], 'no temporary file left');
    assert.deepEqual(await readState(path), { ok: true, value: STATE });
    writeFileSync(path, '{"version":1}');
    const damaged = await readState(path);
    assert.equal(damaged.ok, false);
    assert.match(damaged.ok ? '' : damaged.error, /is damaged: "gateway".* delete it and log in again/);
    assert.deepEqual(await removeState(path), { ok: true, value: true });
    assert.deepEqual(await removeState(path), { ok: true, value: false });
    writeFileSync(join(dir, 'file'), 'x');
    const blocked = await writeState(join(dir, 'file', 'client.json'), STATE);
    assert.equal(blocked.ok, false, 'a file where the folder should be');
    assert.match(blocked.ok ? '' : blocked.error, /cannot write the state file/);
    assert.equal(readFileSync(join(dir, 'file'), 'utf8'), 'x');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('peekToken reads sub and exp of a JWT for display, and ignores anything else', () => {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  assert.deepEqual(peekToken(`${part({ alg: 'EdDSA' })}.${part({ sub: 'demo', exp: 1_795_003_600 })}.sig`), { subject: 'demo', expiresAtMs: 1_795_003_600_000 });
  assert.deepEqual(peekToken(`${part({})}.${part({ sub: 5, exp: 'x' })}.s`), {});
  assert.deepEqual(peekToken('opaque-token'), {});
  assert.deepEqual(peekToken('a.!!!.c'), {});
  assert.deepEqual(peekToken(`a.${Buffer.from('null').toString('base64url')}.c`), {});
});
