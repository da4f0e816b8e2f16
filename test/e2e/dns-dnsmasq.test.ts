// e2e: our resolver against a real dnsmasq serving the hosts file our zone writes (a deployment with a real DNS server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../support/fake-clock.js';
import { createDnsResolver, formatDeviceName } from '../../src/resolver/index.js';
import type { DnsResolver, DnsResolverOptions } from '../../src/resolver/index.js';
import { createDnsZone } from '../../src/simulator/dns-zone.js';
import type { DnsZone } from '../../src/simulator/dns-zone.js';

const DOMAIN = 'starfish.test';
const DEVICE = formatDeviceName(0x001350050005e7d6n, DOMAIN);
const LOCAL_TTL_SEC = 30;

interface Dnsmasq {
  readonly endpoint: string;
  /** Everything dnsmasq logged so far (queries included). */
  log(): string;
  /** Waits until the log matches `re` `count` times, or fails after `timeoutMs`. */
  waitFor(re: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  reload(zone: DnsZone): Promise<void>;
  stop(): Promise<void>;
}

function requireDnsmasq(): void {
  const probe = spawnSync('dnsmasq', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    assert.fail(`dnsmasq is required for this test but could not be run (${probe.error?.message ?? `exit ${probe.status}`}); install it: apt-get install dnsmasq-base`);
  }
}

async function freePort(): Promise<number> {
  // dnsmasq also listens on TCP; a port free for TCP on loopback is, in practice, free for UDP too.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

async function startDnsmasq(zone: DnsZone): Promise<Dnsmasq> {
  requireDnsmasq();
  const dir = mkdtempSync(join(tmpdir(), 'coap-gw-dnsmasq-'));
  // dnsmasq drops root privileges to `nobody`, who must still read the hosts file on a reload.
  chmodSync(dir, 0o755);
  const hostsFile = join(dir, 'mesh.hosts');
  writeFileSync(hostsFile, zone.toHosts(), { mode: 0o644 });
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      'dnsmasq',
      [
        '--no-daemon', '--conf-file=/dev/null', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces',
        '--no-resolv', '--no-hosts', `--addn-hosts=${hostsFile}`, `--local=/${DOMAIN}/`, `--local-ttl=${LOCAL_TTL_SEC}`,
        '--pid-file=', '--log-facility=-', '--log-queries',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = await Promise.race([
      waitForText(() => output, /read .*mesh\.hosts - \d+ names/, 1, 10_000).then(() => true, () => false),
      exited.then(() => false),
    ]);
    if (ready) {
      return makeHandle(child, port, hostsFile, dir, () => output, exited);
    }
    lastError = output;
    child.kill('SIGTERM');
    await exited;
    if (!/Address already in use/i.test(output)) break;
  }
  rmSync(dir, { recursive: true, force: true });
  assert.fail(`dnsmasq did not start: ${lastError}`);
}

function makeHandle(child: ChildProcess, port: number, hostsFile: string, dir: string, log: () => string, exited: Promise<number | null>): Dnsmasq {
  return {
    endpoint: `127.0.0.1:${port}`,
    log,
    waitFor: (re, count = 1, timeoutMs = 5_000) => waitForText(log, re, count, timeoutMs),
    async reload(zone) {
      const before = count(log(), /read .*mesh\.hosts - \d+ names/g);
      writeFileSync(hostsFile, zone.toHosts(), { mode: 0o644 });
      // dnsmasq re-reads --addn-hosts files on SIGHUP.
      child.kill('SIGHUP');
      await waitForText(log, /read .*mesh\.hosts - \d+ names/g, before + 1, 5_000);
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function count(text: string, re: RegExp): number {
  return [...text.matchAll(new RegExp(re.source, 'g'))].length;
}

async function waitForText(text: () => string, re: RegExp, times: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (count(text(), re) < times) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${re} ×${times} in:\n${text()}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
}

async function withDnsmasq(body: (ctx: { dnsmasq: Dnsmasq; zone: DnsZone; clock: FakeClock; make: (o?: Partial<DnsResolverOptions>) => DnsResolver }) => Promise<void>): Promise<void> {
  const zone = createDnsZone({ domains: [DOMAIN] });
  zone.add(DEVICE, '127.1.2.3');
  zone.add(formatDeviceName(0x0013500500000001n, DOMAIN), '127.1.2.4');
  zone.add(formatDeviceName(0x0013500500000001n, DOMAIN), 'fd00::1');
  const dnsmasq = await startDnsmasq(zone);
  const clock = new FakeClock();
  const resolvers: DnsResolver[] = [];
  const make = (o: Partial<DnsResolverOptions> = {}): DnsResolver => {
    const r = createDnsResolver({
      servers: [dnsmasq.endpoint], clock, timeoutMs: 500, tries: 2, negativeTtlMs: 2_000, minTtlMs: 0, maxTtlMs: 300_000, cacheSize: 100, ...o,
    });
    resolvers.push(r);
    return r;
  };
  try {
    await body({ dnsmasq, zone, clock, make });
  } finally {
    for (const r of resolvers) r.close();
    await dnsmasq.stop();
  }
}

test('dnsmasq serves our hosts file: A, AAAA preference, TTL from --local-ttl', () =>
  withDnsmasq(async ({ make }) => {
    const r = make();
    assert.deepEqual(await r.resolve(DEVICE), { ok: true, value: { address: '127.1.2.3', family: 4, ttlSec: LOCAL_TTL_SEC, source: 'dns' } });
    const dual = await r.resolve(formatDeviceName(1n + 0x0013500500000000n, DOMAIN).toLowerCase());
    assert.equal(dual.ok && `${dual.value.family} ${dual.value.address}`, '6 fd00::1');
  }));

test('dnsmasq: unknown device is NXDOMAIN, a foreign name is REFUSED', () =>
  withDnsmasq(async ({ make }) => {
    const r = make();
    const nx = await r.resolve(`SSN00000000000000FF.${DOMAIN}`);
    assert.equal(!nx.ok && nx.error.kind, 'nxdomain');
    const foreign = await r.resolve('device.example.com');
    assert.equal(!foreign.ok && foreign.error.kind, 'refused');
  }));

test('dnsmasq sees one A and one AAAA query for a burst of 100 requests', () =>
  withDnsmasq(async ({ dnsmasq, make }) => {
    const r = make();
    const results = await Promise.all(Array.from({ length: 100 }, () => r.resolve(DEVICE)));
    assert.ok(results.every((x) => x.ok));
    await dnsmasq.waitFor(/query\[A\] ssn001350050005e7d6\.starfish\.test/i);
    await dnsmasq.waitFor(/query\[AAAA\] ssn001350050005e7d6\.starfish\.test/i);
    assert.equal(count(dnsmasq.log(), /query\[A\] ssn001350050005e7d6\.starfish\.test/i), 1);
    assert.equal(count(dnsmasq.log(), /query\[AAAA\] ssn001350050005e7d6\.starfish\.test/i), 1);
  }));

test('a device registered later resolves once the negative cache entry has expired', () =>
  withDnsmasq(async ({ dnsmasq, zone, clock, make }) => {
    const r = make();
    const late = formatDeviceName(0x00135005000000aan, DOMAIN);
    const before = await r.resolve(late);
    assert.equal(!before.ok && before.error.kind, 'nxdomain');
    zone.add(late, '127.1.2.170');
    await dnsmasq.reload(zone);
    const stillCached = await r.resolve(late);
    assert.equal(!stillCached.ok && stillCached.error.cached, true);
    clock.advance(2_000);
    const after = await r.resolve(late);
    assert.equal(after.ok && after.value.address, '127.1.2.170');
  }));
