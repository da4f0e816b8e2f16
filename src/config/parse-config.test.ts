import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseConfig, loadConfig, parseDurationMs, CONFIG_DEFAULTS } from './index.js';

const MINIMAL = { auth: { jwksFile: 'keys.json', issuer: 'https://tokens.test', audience: 'coap-gateway' } };

test('defaults fill everything but the JWKS source', () => {
  const r = parseConfig(MINIMAL);
  assert.ok(r.ok, JSON.stringify(r));
  const c = r.value;
  assert.equal(c.forwarding.upstreamDeadlineMs, 60_000);
  assert.equal(c.forwarding.defaultHopLimit, 16);
  assert.equal(c.forwarding.nstartPerDevice, 1);
  assert.equal(c.sessions.limitPerAccount, 10);
  assert.equal(c.sessions.maxIdleMs, 4 * 3_600_000);
  assert.equal(c.sessions.graceMs, 15 * 60_000);
  assert.deepEqual(c.sessions.store, { kind: 'sqlite', path: CONFIG_DEFAULTS.sessions.store.path });
  assert.deepEqual(c.listen, [{ host: '0.0.0.0', port: 5683 }]);
  assert.deepEqual(c.auth.jwks, { kind: 'file', path: 'keys.json' });
  assert.equal(c.forwarding.strictOptions, false);
  assert.deepEqual(c.cache, { enabled: true, maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 });
  assert.deepEqual(c.udp, { receiveBufferBytes: 4 * 1024 * 1024, sendBufferBytes: 4 * 1024 * 1024 });
});

test('udp buffer sizes are read and checked by field', () => {
  const good = parseConfig({ ...MINIMAL, udp: { receiveBufferBytes: 8_388_608 } });
  assert.ok(good.ok);
  assert.equal(good.value.udp.receiveBufferBytes, 8_388_608);
  const bad = parseConfig({ ...MINIMAL, udp: { receiveBufferBytes: 10, sendBufferBytes: 'big', rcvbuf: 1 } });
  assert.ok(!bad.ok);
  const text = bad.error.join('\n');
  for (const field of ['udp.receiveBufferBytes', 'udp.sendBufferBytes', 'udp.rcvbuf']) assert.match(text, new RegExp(field.replace('.', '\\.')));
});

test('the result is deeply frozen', () => {
  const r = parseConfig(MINIMAL);
  assert.ok(r.ok);
  assert.ok(Object.isFrozen(r.value));
  assert.ok(Object.isFrozen(r.value.forwarding));
  assert.ok(Object.isFrozen(r.value.listen[0]));
});

test('errors name the field, all of them at once', () => {
  const r = parseConfig({
    listen: [{ host: 'not-an-ip', port: 70000 }],
    forwarding: { upstreamDeadlineMs: 'soon', nstartPerDevice: 0, bogus: 1 },
    sessions: { store: { kind: 'mongo' } },
    resolver: { domains: [{ name: 'starfish.test', dnsServers: ['nope'] }] },
    auth: { jwksFile: 'a', jwksUrl: 'http://b', algorithms: ['none'] },
    client: { ackTimeoutMs: 200 },
  });
  assert.ok(!r.ok);
  const text = r.error.join('\n');
  for (const field of [
    'listen[0].host',
    'listen[0].port',
    'forwarding.upstreamDeadlineMs',
    'forwarding.nstartPerDevice',
    'forwarding.bogus',
    'sessions.store.kind',
    'resolver.domains[0].dnsServers[0]',
    'auth: set exactly one',
    'auth.algorithms',
    'client.ackTimeoutMs',
  ]) {
    assert.ok(text.includes(field), `missing error for ${field} in:\n${text}`);
  }
});

test('missing JWKS source is an error', () => {
  const r = parseConfig({});
  assert.ok(!r.ok);
  assert.match(r.error.join(), /auth/);
});

test('durations accept units and plain milliseconds', () => {
  assert.deepEqual(parseDurationMs('4h'), { ok: true, value: 14_400_000 });
  assert.deepEqual(parseDurationMs('15m'), { ok: true, value: 900_000 });
  assert.deepEqual(parseDurationMs('2s'), { ok: true, value: 2000 });
  assert.deepEqual(parseDurationMs('500ms'), { ok: true, value: 500 });
  assert.deepEqual(parseDurationMs(250), { ok: true, value: 250 });
  assert.equal(parseDurationMs('tomorrow').ok, false);
  assert.equal(parseDurationMs(-1).ok, false);
  const r = parseConfig({ ...MINIMAL, sessions: { maxIdleMs: '3s', graceMs: '1s', store: 'memory' } });
  assert.ok(r.ok);
  assert.equal(r.value.sessions.maxIdleMs, 3000);
  assert.equal(r.value.sessions.graceMs, 1000);
  assert.deepEqual(r.value.sessions.store, { kind: 'memory' });
});

test('domains take their own DNS servers or the shared ones', () => {
  const r = parseConfig({
    ...MINIMAL,
    resolver: { dnsServers: ['127.0.0.1:5300'], domains: ['Starfish.Test', { name: 'b.test', dnsServers: ['[::1]:53'] }] },
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value.resolver.domains, [
    { name: 'starfish.test', dnsServers: ['127.0.0.1:5300'] },
    { name: 'b.test', dnsServers: ['[::1]:53'] },
  ]);
});

test('loadConfig reads YAML and JSON, applies overrides, prefixes errors with the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
  try {
    const yamlPath = join(dir, 'gw.yaml');
    writeFileSync(yamlPath, 'listen:\n  - host: 127.0.0.1\n    port: 0\nforwarding:\n  strictOptions: true\nauth:\n  jwksUrl: http://127.0.0.1:1/jwks\n  issuer: i\n  audience: a\n');
    const y = await loadConfig(yamlPath, { forwarding: { upstreamDeadlineMs: '3s' } });
    assert.ok(y.ok, JSON.stringify(y));
    assert.equal(y.value.forwarding.strictOptions, true);
    assert.equal(y.value.forwarding.upstreamDeadlineMs, 3000);
    assert.deepEqual(y.value.listen, [{ host: '127.0.0.1', port: 0 }]);

    const jsonPath = join(dir, 'gw.json');
    writeFileSync(jsonPath, JSON.stringify({ auth: MINIMAL.auth, sessions: { limitPerAccount: 'ten' } }));
    const j = await loadConfig(jsonPath);
    assert.ok(!j.ok);
    assert.match(j.error[0] ?? '', /gw\.json: sessions\.limitPerAccount/);

    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'listen: [\n');
    const b = await loadConfig(broken);
    assert.ok(!b.ok);
    assert.match(b.error[0] ?? '', /broken\.yaml/);

    const missing = await loadConfig(join(dir, 'nope.yaml'));
    assert.ok(!missing.ok);
    assert.match(missing.error[0] ?? '', /cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('forwarding.clientRequestsPerSec: off by default, validated, with its burst', () => {
  const d = parseConfig(MINIMAL);
  assert.ok(d.ok);
  assert.equal(d.value.forwarding.clientRequestsPerSec, 0);
  const set = parseConfig({ ...MINIMAL, forwarding: { clientRequestsPerSec: 2.5, clientBurst: 5 } });
  assert.ok(set.ok);
  assert.equal(set.value.forwarding.clientRequestsPerSec, 2.5);
  assert.equal(set.value.forwarding.clientBurst, 5);
  const bad = parseConfig({ ...MINIMAL, forwarding: { clientRequestsPerSec: -1, clientBurst: 0 } });
  assert.ok(!bad.ok);
  assert.match(bad.error.join('\n'), /forwarding\.clientRequestsPerSec/);
  assert.match(bad.error.join('\n'), /forwarding\.clientBurst/);
});
