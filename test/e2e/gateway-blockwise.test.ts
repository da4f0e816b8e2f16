// e2e (issue #6 proofs): block-wise GET, PUT and POST of multi-kilobyte bodies through the gateway, byte-exact, at -b 16..1024; concurrent transfers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OptionNumber, getOption } from '../../src/coap/index.js';
import { seededRandom } from '../../src/base/index.js';
import { TdWorld } from './gateway-td-harness.js';

let w: TdWorld;
const SIZES = ['16', '64', '256', '1024'] as const;

before(async () => {
  // Devices in their own loopback block (127.1.106.x).
  w = await TdWorld.start({ firstAddressIndex: 254 * 106, devices: 2 });
});

after(async () => {
  await w?.close();
});

/** `bytes` of binary data (every byte value occurs), written to a file for `coap-client -f`. */
function binaryBody(name: string, bytes: number, seed: number): { file: string; data: Buffer } {
  const data = Buffer.from(seededRandom(seed).bytes(bytes));
  const file = join(w.dir, name);
  writeFileSync(file, data);
  return { file, data };
}

/** coap-client through the gateway (no -v); the response body is written to a file and returned. */
async function cc(port: number, args: readonly string[], path: string, device = 0): Promise<{ body: Buffer; stderr: string }> {
  const out = join(w.dir, `out-${port}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(out, '');
  const r = await w.run(['-p', String(port), '-P', w.gw, '-o', out, ...args, w.uri(path, device)], 60_000);
  return { body: readFileSync(out), stderr: r.stderr };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const largeUpdate = (device = 0): Buffer | undefined => w.device(device).state.plugtest?.largeUpdate;

test('block-wise GET of a 6 KB resource is byte-exact at -b 16, 64, 256 and 1024; one upstream exchange per block', async () => {
  const port = await w.session();
  const { data } = binaryBody('get-6k', 6000, 1);
  // The resource's content is set inside the device (no gateway involved); the first request creates
  // the plugtest state (another query: its answer is cached apart from the GETs below).
  assert.ok((await cc(port, ['-m', 'get'], '/large-update?init=1')).body.length > 0);
  const state = w.device(0).state.plugtest;
  assert.ok(state, 'plugtest state exists');
  state.largeUpdate = data;
  for (const size of SIZES) {
    const mark = w.tap.mark();
    const r = await cc(port, ['-m', 'get', '-b', size], '/large-update');
    assert.doesNotMatch(r.stderr, /\d\.\d\d/, r.stderr);
    assert.equal(r.body.length, data.length, `-b ${size}: length`);
    assert.ok(r.body.equals(data), `-b ${size}: byte-exact`);
    const upstream = w.tap.requests(w.device(0), mark).filter((m) => getOption(m, OptionNumber.BLOCK2) !== undefined);
    assert.equal(upstream.length, Math.ceil(data.length / Number(size)), `-b ${size}: blocks passed through one by one`);
  }
});

test('block-wise PUT of a 5 KB binary body arrives byte-exact at -b 16, 64, 256 and 1024', async () => {
  const port = await w.session();
  for (const [i, size] of SIZES.entries()) {
    const { file, data } = binaryBody(`put-${size}`, 5000 + i, 10 + i);
    const r = await cc(port, ['-m', 'put', '-b', size, '-t', '42', '-f', file], '/large-update');
    assert.doesNotMatch(r.stderr, /\d\.\d\d/, `-b ${size}: ${r.stderr}`);
    const stored = largeUpdate();
    assert.equal(stored?.length, data.length, `-b ${size}: length`);
    assert.ok(stored?.equals(data), `-b ${size}: byte-exact at the device`);
    const back = await cc(port, ['-m', 'get', '-b', size], '/large-update');
    assert.ok(back.body.equals(data), `-b ${size}: read back byte-exact`);
  }
});

test('block-wise POST of a 5 KB binary body arrives byte-exact at -b 16, 64, 256 and 1024 (digest answered block-wise; created resource)', async () => {
  const port = await w.session();
  for (const [i, size] of SIZES.entries()) {
    const { file, data } = binaryBody(`post-${size}`, 5000 - i, 20 + i);
    const r = await cc(port, ['-m', 'post', '-b', size, '-t', '42', '-f', file], '/large-post');
    assert.doesNotMatch(r.stderr, /\d\.\d\d/, `-b ${size}: ${r.stderr}`);
    assert.ok(r.body.toString().startsWith(`received ${data.length} bytes sha256=${sha256(data)}\n`), `-b ${size}: ${r.body.subarray(0, 100).toString()}`);
    assert.ok(r.body.length > 2000, 'the whole Block2 answer');
    const created = await w.via(port, ['-m', 'post', '-b', size, '-t', '42', '-f', file], '/large-create');
    const id = /Location-Path:large-create, Location-Path:(\w+)/.exec(created.stdout)?.[1];
    assert.ok(id, created.stdout);
    assert.ok(w.device(0).state.plugtest?.largeCreated.get(id)?.equals(data), `-b ${size}: created byte-exact`);
  }
});

test('two concurrent block-wise uploads to one resource from two clients do not mix; two concurrent POSTs each get their own digest', async () => {
  const [a, b] = [await w.session(), await w.session()];
  const bodyA = binaryBody('concurrent-a', 4096, 31);
  const bodyB = binaryBody('concurrent-b', 4096, 32);
  const mark = w.tap.mark();
  const [ra, rb] = await Promise.all([
    cc(a, ['-m', 'put', '-b', '64', '-t', '42', '-f', bodyA.file], '/large-update', 1),
    cc(b, ['-m', 'put', '-b', '64', '-t', '42', '-f', bodyB.file], '/large-update', 1),
  ]);
  assert.doesNotMatch(ra.stderr + rb.stderr, /\d\.\d\d/, ra.stderr + rb.stderr);
  const stored = largeUpdate(1);
  assert.ok(stored?.equals(bodyA.data) === true || stored?.equals(bodyB.data) === true, 'the device holds one of the two bodies, intact');
  // the blocks really did interleave at the device, each upload with its own Request-Tag
  const tags = w.tap
    .requests(w.device(1), mark)
    .map((m) => getOption(m, OptionNumber.REQUEST_TAG)?.toString('hex'))
    .filter((t): t is string => t !== undefined);
  assert.equal(new Set(tags).size, 2, 'two Request-Tags upstream');
  const firstB = tags.indexOf(tags.find((t) => t !== tags[0]) ?? '');
  assert.ok(firstB > 0 && tags.slice(firstB).includes(tags[0] as string), 'interleaved');

  const [pa, pb] = await Promise.all([
    cc(a, ['-m', 'post', '-b', '64', '-t', '42', '-f', bodyA.file], '/large-post', 1),
    cc(b, ['-m', 'post', '-b', '64', '-t', '42', '-f', bodyB.file], '/large-post', 1),
  ]);
  assert.ok(pa.body.toString().startsWith(`received 4096 bytes sha256=${sha256(bodyA.data)}\n`), pa.body.subarray(0, 100).toString());
  assert.ok(pb.body.toString().startsWith(`received 4096 bytes sha256=${sha256(bodyB.data)}\n`), pb.body.subarray(0, 100).toString());
});
