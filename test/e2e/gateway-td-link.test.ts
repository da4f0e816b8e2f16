// e2e: ETSI TD_COAP_LINK_01-09 (discovery, query filters, hierarchical links) through the gateway with coap-client-notls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { linkAttributes, parseLinkFormat, type Link } from '../../src/coap/index.js';
import { TdWorld, parseLog } from './gateway-td-harness.js';

let w: TdWorld;
let port: number;

before(async () => {
  // Devices in their own loopback block (127.1.102.x).
  w = await TdWorld.start({ firstAddressIndex: 254 * 102 });
  port = await w.session();
});

after(async () => {
  await w?.close();
});

/** The body coap-client printed (no -v: stdout is the payload, all blocks). */
async function body(path: string): Promise<string> {
  const r = await w.run(['-p', String(port), '-P', w.gw, '-m', 'get', w.uri(path)]);
  assert.doesNotMatch(r.stderr, /\d\.\d\d/, r.stderr);
  return r.stdout;
}

async function links(path: string): Promise<Link[]> {
  const parsed = parseLinkFormat((await body(path)).trim());
  assert.ok(parsed.ok, `link-format from ${path}`);
  return parsed.value;
}

const targets = (ls: readonly Link[]): string[] => ls.map((l) => l.target).sort();
const has = (l: Link, name: string): boolean => l.attributes.some((a) => a.name === name);

let all: Link[] = [];

test('TD_COAP_LINK_01: discovery of the gateway and of the device: 2.05, Content-Format 40, every link, relayed byte-exact', async () => {
  const own = await w.run(['-v', '6', '-p', String(port), '-m', 'get', `${w.gw}/.well-known/core`]);
  const first = parseLog(own.stdout).find((m) => m.code === '2.05');
  assert.match(first?.options ?? '', /Content-Format:application\/link-format/);
  for (const local of ['</sessions>', '</help>', '</echo>']) assert.ok(own.stdout.includes(local), `${local} in ${own.stdout}`);

  const viaGateway = await w.via(port, ['-m', 'get'], '/.well-known/core');
  assert.match(parseLog(viaGateway.stdout).find((m) => m.code === '2.05')?.options ?? '', /Content-Format:application\/link-format/);
  const relayed = await body('/.well-known/core');
  const direct = await w.run(['-m', 'get', `coap://${w.device().identity.address}/.well-known/core`]);
  assert.equal(relayed, direct.stdout, 'the same bytes as the device sent');
  all = (parseLinkFormat(relayed.trim()) as { ok: true; value: Link[] }).value;
  for (const path of ['/test', '/separate', '/large', '/obs', '/link1', '/link2', '/link3', '/path', '/time', '/gpio']) {
    assert.ok(targets(all).includes(path), `${path} listed`);
  }
});

test('TD_COAP_LINK_02: ?rt=Type1 lists only the links whose rt holds Type1', async () => {
  const got = await links('/.well-known/core?rt=Type1');
  assert.deepEqual(targets(got), ['/link1', '/link3']);
  for (const l of got) assert.ok(linkAttributes(l, 'rt').some((v) => v.split(' ').includes('Type1')));
});

test('TD_COAP_LINK_03: ?rt=* lists exactly the links that have an rt', async () => {
  const got = await links('/.well-known/core?rt=*');
  assert.ok(got.length > 0);
  assert.deepEqual(targets(got), targets(all.filter((l) => has(l, 'rt'))));
  assert.ok(got.length < all.length, 'some links have no rt');
});

test('TD_COAP_LINK_04: ?rt=Type2 matches one value of a multi-valued rt', async () => {
  assert.deepEqual(targets(await links('/.well-known/core?rt=Type2')), ['/link1', '/link2']);
});

test('TD_COAP_LINK_05: ?if=If* matches an interface prefix', async () => {
  assert.deepEqual(targets(await links('/.well-known/core?if=If*')), ['/link1', '/link2']);
});

test('TD_COAP_LINK_06: ?sz=* lists exactly the links with a size', async () => {
  const got = await links('/.well-known/core?sz=*');
  assert.ok(got.length > 0 && got.every((l) => has(l, 'sz')));
  assert.deepEqual(targets(got), targets(all.filter((l) => has(l, 'sz'))));
  assert.ok(targets(got).includes('/large'));
});

test('TD_COAP_LINK_07/08: ?href=/link1 exact, ?href=/link* prefix', async () => {
  assert.deepEqual(targets(await links('/.well-known/core?href=/link1')), ['/link1']);
  assert.deepEqual(targets(await links('/.well-known/core?href=/link*')), ['/link1', '/link2', '/link3']);
});

test('TD_COAP_LINK_09: hierarchical discovery: /path (ct=40) lists its sub-resources, /path/sub1 answers', async () => {
  const path = all.find((l) => l.target === '/path');
  assert.ok(path, 'wk/core lists /path');
  assert.deepEqual(linkAttributes(path, 'ct'), ['40']);
  const sub = await w.via(port, ['-m', 'get'], '/path');
  assert.match(parseLog(sub.stdout).find((m) => m.code === '2.05')?.options ?? '', /Content-Format:application\/link-format/);
  const children = await links('/path');
  assert.deepEqual(targets(children), ['/path/sub1', '/path/sub2', '/path/sub3']);
  assert.equal((await body('/path/sub1')).trim(), '/path/sub1');
});
