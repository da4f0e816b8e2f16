// Unit tests: the in-memory mesh zone (records, served domains, negative answers, hosts files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDnsZone } from './dns-zone.js';

const NAME = 'SSN001350050005E7D6.starfish.test';

test('records are found case-insensitively, several per name, a re-add refreshes instead of duplicating', () => {
  const zone = createDnsZone({ domains: ['Starfish.Test.'], defaultTtlSec: 30 });
  assert.deepEqual(zone.domains, ['starfish.test']);
  assert.ok(zone.add(NAME, '127.1.2.3').ok);
  assert.ok(zone.add(NAME.toLowerCase(), 'FD00::1', 10).ok);
  assert.ok(zone.add(NAME, '127.1.2.3', 99).ok);
  const found = zone.lookup('ssn001350050005e7d6.STARFISH.test.');
  assert.deepEqual(found, {
    kind: 'found',
    domain: 'starfish.test',
    records: [
      { address: '127.1.2.3', family: 4, ttlSec: 99 },
      { address: 'fd00::1', family: 6, ttlSec: 10 },
    ],
  });
  assert.equal(zone.size, 1);
  assert.deepEqual([...zone.names()], [NAME.toLowerCase()]);
});

test('outside the domains is refused, unknown inside is NXDOMAIN, the apex and interior names exist', () => {
  const zone = createDnsZone({ domains: ['starfish.test'] });
  zone.add('dev.east.starfish.test', '127.0.0.5');
  assert.deepEqual(zone.lookup('example.com'), { kind: 'refused' });
  assert.deepEqual(zone.lookup('xstarfish.test'), { kind: 'refused' });
  assert.deepEqual(zone.lookup('nobody.starfish.test'), { kind: 'nxdomain', domain: 'starfish.test' });
  assert.deepEqual(zone.lookup('starfish.test'), { kind: 'found', domain: 'starfish.test', records: [] });
  // RFC 8020: east.starfish.test has a name below it, so it is not NXDOMAIN.
  assert.deepEqual(zone.lookup('east.starfish.test'), { kind: 'found', domain: 'starfish.test', records: [] });
  assert.equal(zone.remove('DEV.east.starfish.test'), true);
  assert.deepEqual(zone.lookup('east.starfish.test'), { kind: 'nxdomain', domain: 'starfish.test' });
  assert.deepEqual(zone.lookup('dev.east.starfish.test'), { kind: 'nxdomain', domain: 'starfish.test' });
});

test('nested domains: a name belongs to the innermost one', () => {
  const zone = createDnsZone({ domains: ['test', 'starfish.test'] });
  zone.add(NAME, '127.0.0.1');
  const found = zone.lookup(NAME);
  assert.equal(found.kind === 'found' && found.domain, 'starfish.test');
  assert.deepEqual(zone.lookup('a.other.test'), { kind: 'nxdomain', domain: 'test' });
});

test('remove one address or all; the serial counts changes', () => {
  const zone = createDnsZone({ domains: ['starfish.test'] });
  const s0 = zone.serial;
  zone.add(NAME, '127.0.0.1');
  zone.add(NAME, '127.0.0.2');
  assert.equal(zone.remove(NAME, '127.0.0.9'), false);
  assert.equal(zone.remove(NAME, '127.0.0.1'), true);
  const found = zone.lookup(NAME);
  assert.deepEqual(found.kind === 'found' ? found.records.map((r) => r.address) : [], ['127.0.0.2']);
  assert.equal(zone.remove(NAME), true);
  assert.equal(zone.remove(NAME), false);
  assert.equal(zone.size, 0);
  assert.equal(zone.serial, s0 + 4);
});

test('add refuses bad names, foreign names, bad addresses and bad TTLs with a reason', () => {
  const zone = createDnsZone({ domains: ['starfish.test'] });
  const cases: Array<[string, string, number | undefined, RegExp]> = [
    ['bad name.starfish.test', '127.0.0.1', undefined, /not a host name/],
    ['-x.starfish.test', '127.0.0.1', undefined, /bad label/],
    [`${'a'.repeat(64)}.starfish.test`, '127.0.0.1', undefined, /bad label/],
    ['dev.example.com', '127.0.0.1', undefined, /outside the served domains \(starfish.test\)/],
    [NAME, '127.0.0.256', undefined, /not an IPv4 or IPv6 address/],
    [NAME, 'fe80::1%eth0', undefined, /zone index/],
    [NAME, '127.0.0.1', -1, /TTL must be an integer/],
    [NAME, '127.0.0.1', 1.5, /TTL must be an integer/],
    [NAME, '127.0.0.1', 2 ** 31, /TTL must be an integer/],
  ];
  for (const [name, address, ttl, message] of cases) {
    const r = zone.add(name, address, ttl);
    assert.equal(r.ok, false, `${name} ${address}`);
    assert.match(r.ok ? '' : r.error, message);
  }
  assert.equal(zone.size, 0);
});

test('bad zone configuration throws a clear TypeError', () => {
  assert.throws(() => createDnsZone({ domains: [] }), /at least one domain/);
  assert.throws(() => createDnsZone({ domains: ['bad domain'] }), /zone domain/);
  assert.throws(() => createDnsZone({ domains: ['x.test'], defaultTtlSec: -5 }), /TTL/);
});

test('loadHosts reads /etc/hosts format and reports lines it could not take', () => {
  const zone = createDnsZone({ domains: ['starfish.test'] });
  const text = [
    '# the mesh',
    `127.1.0.1   ${NAME} alias.starfish.test   # two names`,
    '',
    'fd00::7\tssn0000000000000007.starfish.test',
    '127.0.0.1 localhost',
    'not-an-ip dev.starfish.test',
    '127.1.0.9',
    '   # indented comment',
  ].join('\r\n');
  const report = zone.loadHosts(text, 42);
  assert.equal(report.added, 3);
  assert.deepEqual(
    report.errors.map((e) => e.line),
    [5, 6, 7],
  );
  assert.match(report.errors[0]?.message ?? '', /outside the served domains/);
  assert.match(report.errors[1]?.message ?? '', /not an IPv4 or IPv6 address/);
  assert.match(report.errors[2]?.message ?? '', /expected an address followed by at least one name/);
  const alias = zone.lookup('ALIAS.starfish.test');
  assert.deepEqual(alias.kind === 'found' ? alias.records : [], [{ address: '127.1.0.1', family: 4, ttlSec: 42 }]);
});

test('toHosts writes every record; loading it into a new zone gives the same answers', () => {
  const zone = createDnsZone({ domains: ['starfish.test'] });
  zone.add(NAME, '127.1.0.1');
  zone.add(NAME, 'fd00::1');
  zone.add('b.starfish.test', '127.1.0.2');
  const hosts = zone.toHosts();
  assert.match(hosts, /^# starfish.test: 2 names/);
  assert.match(hosts, /^127\.1\.0\.1 ssn001350050005e7d6\.starfish\.test$/m);
  const copy = createDnsZone({ domains: ['starfish.test'] });
  assert.deepEqual(copy.loadHosts(hosts), { added: 3, errors: [] });
  for (const name of [NAME, 'b.starfish.test', 'c.starfish.test']) assert.deepEqual(copy.lookup(name), zone.lookup(name));
});

test('10,000 names are added and looked up quickly', () => {
  const zone = createDnsZone({ domains: ['starfish.test'] });
  const started = performance.now();
  for (let i = 0; i < 10_000; i++) {
    const mac = (0x0013500500000000n + BigInt(i)).toString(16).toUpperCase().padStart(16, '0');
    assert.ok(zone.add(`SSN${mac}.starfish.test`, `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`).ok);
  }
  let found = 0;
  for (let i = 0; i < 10_000; i++) {
    const mac = (0x0013500500000000n + BigInt(i)).toString(16).padStart(16, '0');
    if (zone.lookup(`ssn${mac}.starfish.test`).kind === 'found') found++;
    assert.equal(zone.lookup(`ssn${mac}.nope.starfish.test`).kind, 'nxdomain');
  }
  const elapsedMs = performance.now() - started;
  assert.equal(found, 10_000);
  assert.equal(zone.size, 10_000);
  assert.ok(elapsedMs < 2_000, `took ${elapsedMs.toFixed(0)} ms`);
});
