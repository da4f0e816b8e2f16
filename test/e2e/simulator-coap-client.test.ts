// e2e: the simulator on real UDP loopback sockets, queried by libcoap's coap-client-notls and DNS clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promises as dns } from 'node:dns';
import { startSimulator, type RunningSimulator } from '../../src/app/index.js';
import { requireBinary as findProgram } from '../support/libcoap.js';


interface Run {
  readonly stdout: string;
  readonly stderr: string;
}

function run(program: string, args: readonly string[], timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      // coap-client exits 0 even on errors; a non-zero exit or a kill is a real failure.
      if (error !== null) reject(new Error(`${program} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

// A block of addresses of its own (127.1.190.1 upward) so other suites can run fleets at the same time.
const FIRST_INDEX = 254 * 190;
let coapClient: string;
let sim: RunningSimulator;
let tmp: string;

before(async () => {
  coapClient = findProgram('coap-client-notls');
  tmp = mkdtempSync(join(tmpdir(), 'sim-e2e-'));
  sim = await startSimulator({
    devices: 3,
    milliNics: 1,
    domain: 'starfish.test',
    dnsPort: 0,
    plugtest: 1,
    observePeriodMs: 1000,
    firstAddressIndex: FIRST_INDEX,
    logLevel: 'silent',
  });
});

after(async () => {
  await sim?.close();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

const uri = (i: number, path: string): string => {
  const d = sim.fleet.devices[i]!;
  return `coap://${d.address.address}${d.address.port === 5683 ? '' : `:${d.address.port}`}${path}`;
};

test('GET /.well-known/core lists the resources in link format', async () => {
  const r = await run(coapClient, ['-m', 'get', '-B', '10', uri(0, '/.well-known/core')]);
  assert.match(r.stdout, /<\/time>;rt="ssn\.time";if="core\.p";ct="0 50";title="Device clock";obs/);
  assert.match(r.stdout, /<\/gpio>/);
});

test('GET /time is the clock in seconds; /dummy is 5.01 Not Implemented', async () => {
  const r = await run(coapClient, ['-m', 'get', '-B', '10', uri(1, '/time')]);
  assert.ok(Math.abs(Number(r.stdout.trim()) - Date.now() / 1000) < 5, r.stdout);
  const dummy = await run(coapClient, ['-m', 'get', '-B', '10', uri(1, '/dummy')]);
  assert.match(dummy.stderr, /5\.01/);
  const method = await run(coapClient, ['-m', 'delete', '-B', '10', uri(1, '/time')]);
  assert.match(method.stderr, /4\.05/);
});

test('PUT a GPIO pin, then GET /gpio shows it; a bad body is 4.00', async () => {
  await run(coapClient, ['-m', 'put', '-t', '0', '-e', 'relay=1', '-B', '10', uri(0, '/gpio')]);
  const r = await run(coapClient, ['-m', 'get', '-B', '10', uri(0, '/gpio')]);
  assert.match(r.stdout, /^0 relay out 1$/m);
  const bad = await run(coapClient, ['-m', 'put', '-e', 'relay=maybe', '-B', '10', uri(0, '/gpio')]);
  assert.match(bad.stderr, /4\.00/);
});

test('observe /time with -s: several notifications', async () => {
  const r = await run(coapClient, ['-m', 'get', '-s', '4', '-w', uri(2, '/time')]);
  const values = r.stdout.trim().split('\n').map(Number);
  assert.ok(values.length >= 3, `notifications: ${JSON.stringify(r.stdout)}`);
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! >= values[i - 1]!);
});

test('block-wise GET with -b 64 fetches the whole >4 KB load profile', async () => {
  const whole = await run(coapClient, ['-m', 'get', '-B', '20', uri(0, '/meter/profile')]);
  const small = await run(coapClient, ['-m', 'get', '-b', '64', '-B', '20', uri(0, '/meter/profile')]);
  assert.ok(small.stdout.length > 4096, `${small.stdout.length} bytes`);
  assert.equal(small.stdout, whole.stdout);
  assert.equal(small.stdout.trim().split('\n').length, 97);
});

test('block-wise PUT with -b 64 uploads a firmware image through 2.31 Continue', async () => {
  const file = join(tmp, 'fw.bin');
  const image = Buffer.alloc(3000);
  for (let i = 0; i < image.length; i++) image[i] = (i * 31) & 0xff;
  writeFileSync(file, image);
  await run(coapClient, ['-m', 'put', '-b', '64', '-t', '42', '-f', file, '-B', '20', uri(1, '/fw')]);
  const r = await run(coapClient, ['-m', 'get', '-B', '10', uri(1, '/fw')]);
  assert.match(r.stdout, /last upload 3000 bytes/);
  assert.equal(sim.fleet.devices[1]!.state.firmware?.size, 3000);
});

test('a milliNIC answers on port 4849; /slow answers separately', async () => {
  const milli = sim.fleet.devices[3]!;
  assert.equal(milli.address.port, 4849);
  const info = JSON.parse((await run(coapClient, ['-m', 'get', '-B', '10', uri(3, '/nic/info')])).stdout);
  assert.equal(info.kind, 'millinic');
  const slow = await run(coapClient, ['-m', 'get', '-B', '10', uri(0, '/slow?delay=1')]);
  assert.match(slow.stdout, /answered after 1\.0 s/);
});

test('plugtest resources: POST /test gives Location-Path, /large comes in blocks', async () => {
  const post = await run(coapClient, ['-v', '6', '-m', 'post', '-t', '0', '-e', 'x', '-B', '10', uri(0, '/test')]);
  assert.match(post.stdout + post.stderr, /location1/);
  const large = await run(coapClient, ['-m', 'get', '-b', '16', '-B', '20', uri(0, '/large')]);
  const whole = await run(coapClient, ['-m', 'get', '-B', '20', uri(0, '/large')]);
  assert.equal(large.stdout, whole.stdout);
  // coap-client ends its output with a newline when the body does not.
  assert.equal(large.stdout.replace(/\n$/, '').length, 2700);
});

test('the mesh DNS answers Node\'s resolver (A, NXDOMAIN, REFUSED) and dig', async () => {
  const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([sim.dns.endpoint]);
  const d = sim.fleet.devices[0]!;
  assert.deepEqual(await resolver.resolve4(d.identity.name), [d.address.address]);
  assert.deepEqual(await resolver.resolve4(d.identity.name.toLowerCase()), [d.address.address]);
  await assert.rejects(resolver.resolve4('SSN0000000000000000.starfish.test'), /ENOTFOUND/);
  await assert.rejects(resolver.resolve4('example.com'), /EREFUSED/);
  const dig = findProgram('dig');
  const r = await run(dig, [`@${sim.dns.address}`, '-p', String(sim.dns.port), '+short', d.identity.name, 'A']);
  assert.equal(r.stdout.trim(), d.address.address);
});
