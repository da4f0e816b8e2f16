// e2e: BIND's `dig` queries the simulator's DNS server over real UDP (IPv4 and IPv6 loopback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createDnsZone } from '../../src/simulator/dns-zone.js';
import { startDnsServer } from '../../src/simulator/dns-server.js';
import type { RunningDnsServer } from '../../src/simulator/dns-server.js';

const run = promisify(execFile);
const DOMAIN = 'starfish.test';
const DEVICE = 'SSN001350050005E7D6.starfish.test';

interface DigResult {
  readonly status: string;
  readonly flags: readonly string[];
  readonly answers: readonly string[];
  readonly authority: readonly string[];
  readonly text: string;
}

function requireDig(): void {
  const probe = spawnSync('dig', ['-v'], { encoding: 'utf8' });
  if (probe.error !== undefined) {
    assert.fail(`dig is required for this test but could not be run (${probe.error.message}); install it: apt-get install bind9-dnsutils`);
  }
}

// The server runs in this process, so dig must run asynchronously (execFileSync would block the server).
async function dig(server: RunningDnsServer, ...args: string[]): Promise<DigResult> {
  const { stdout } = await run('dig', [`@${server.address}`, '-p', String(server.port), '+tries=1', '+time=2', ...args], { timeout: 10_000 });
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? `(no status in: ${stdout})`;
  const flags = (/;; flags: ([a-z ]*);/.exec(stdout)?.[1] ?? '').split(' ').filter((f) => f.length > 0);
  const section = (name: string): string[] => {
    const m = new RegExp(`;; ${name} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(stdout);
    return m?.[1]?.split('\n').filter((l) => l.length > 0 && !l.startsWith(';')) ?? [];
  };
  return { status, flags, answers: section('ANSWER'), authority: section('AUTHORITY'), text: stdout };
}

async function withServer(body: (server: RunningDnsServer) => Promise<void>, host = '127.0.0.1'): Promise<void> {
  requireDig();
  const zone = createDnsZone({ domains: [DOMAIN], defaultTtlSec: 30 });
  zone.add(DEVICE, '127.1.2.3');
  zone.add('SSN0013500500000001.starfish.test', 'fd00::1');
  for (let i = 1; i <= 30; i++) zone.add('many.starfish.test', `127.9.0.${i}`);
  const server = await startDnsServer({ host, zone, negativeTtlSec: 5 });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

test('dig: A record of a device, authoritative, with its TTL', () =>
  withServer(async (server) => {
    const r = await dig(server, DEVICE.toLowerCase(), 'A');
    assert.equal(r.status, 'NOERROR', r.text);
    assert.ok(r.flags.includes('aa'), r.text);
    assert.ok(r.flags.includes('qr'));
    assert.ok(!r.flags.includes('ra'), 'no recursion offered');
    assert.equal(r.answers.length, 1, r.text);
    assert.match(r.answers[0] ?? '', /^ssn001350050005e7d6\.starfish\.test\.\s+30\s+IN\s+A\s+127\.1\.2\.3$/);
  }));

test('dig: AAAA record; NODATA carries the SOA', () =>
  withServer(async (server) => {
    const v6 = await dig(server, 'SSN0013500500000001.starfish.test', 'AAAA');
    assert.match(v6.answers[0] ?? '', /IN\s+AAAA\s+fd00::1$/, v6.text);
    const nodata = await dig(server, DEVICE, 'AAAA');
    assert.equal(nodata.status, 'NOERROR');
    assert.equal(nodata.answers.length, 0);
    assert.match(nodata.authority[0] ?? '', /^starfish\.test\.\s+5\s+IN\s+SOA\s+ns\.starfish\.test\. hostmaster\.starfish\.test\. \d+ 3600 600 86400 5$/, nodata.text);
  }));

test('dig: NXDOMAIN inside the domain, REFUSED outside it and for the CHAOS class', () =>
  withServer(async (server) => {
    const nx = await dig(server, 'SSN00000000000000FF.starfish.test', 'A');
    assert.equal(nx.status, 'NXDOMAIN', nx.text);
    assert.ok(nx.flags.includes('aa'));
    const foreign = await dig(server, 'www.example.com', 'A');
    assert.equal(foreign.status, 'REFUSED', foreign.text);
    assert.ok(!foreign.flags.includes('aa'));
    const chaos = await dig(server, 'version.bind', 'TXT', 'CH');
    assert.equal(chaos.status, 'REFUSED', chaos.text);
  }));

test('dig: a reply too big for 512 bytes is truncated without EDNS and whole with it', () =>
  withServer(async (server) => {
    const classic = await dig(server, '+noedns', '+ignore', 'many.starfish.test', 'A');
    assert.ok(classic.flags.includes('tc'), classic.text);
    assert.equal(classic.answers.length, 0);
    const edns = await dig(server, '+bufsize=1232', 'many.starfish.test', 'A');
    assert.ok(!edns.flags.includes('tc'), edns.text);
    assert.equal(edns.answers.length, 30);
    assert.match(edns.text, /EDNS: version: 0, flags:; udp: 1232/);
  }));

test('dig: the server on IPv6 loopback answers too; the silent fault gives dig no reply', () =>
  withServer(async (server) => {
    const r = await dig(server, DEVICE, 'A');
    assert.equal(r.status, 'NOERROR', r.text);
    server.setFault('silent');
    const silent = await dig(server, '+time=1', DEVICE, 'A').then(
      (x) => x.text,
      (e: { stdout?: string }) => e.stdout ?? '',
    );
    assert.match(silent, /timed out|no servers could be reached/);
    server.setFault('servfail');
    assert.equal((await dig(server, DEVICE, 'A')).status, 'SERVFAIL');
  }, '::1'));
