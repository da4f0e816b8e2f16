// Unit tests: the ETSI plugtest resources behave as the TD_COAP_CORE/BLOCK/OBS descriptions expect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../base/index.js';
import { Code, decodeBlock as decodeBlockResult, encodeBlock, ContentFormat, OptionNumber, getOption, getOptions, getUintOption, type Message } from '../../coap/index.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { createIdentities } from '../device-identity.js';
import { PLUGTEST_TABLE } from '../device-profiles.js';
import { dispatch } from '../resources/dispatch.js';
import { isDeferred, type ResourceResponse } from '../resources/resource.js';
import { createStandaloneContext, requestMessage } from '../resources/standalone-context.js';
import { LARGE_BODY } from './plugtest-state.js';

/** The NUM/M/SZX of a Block option value (fails the test when malformed). */
function decodeBlock(value: Buffer): { num: number; more: boolean; szx: number } {
  const r = decodeBlockResult(value);
  assert.ok(r.ok, 'a valid Block option');
  return { num: r.value.num, more: r.value.more, szx: r.value.szx };
}

const CLIENT = { address: '127.0.0.1', port: 40000 };

function device() {
  const clock = new FakeClock();
  const [identity] = createIdentities({ count: 1, domain: 'mesh.test', random: seededRandom(1) });
  const ctx = createStandaloneContext({ identity: identity!, table: PLUGTEST_TABLE, clock, random: seededRandom(2), config: { plugtest: true } });
  const run = (m: Message): ResourceResponse => {
    const { outcome } = dispatch(m, CLIENT, ctx, PLUGTEST_TABLE);
    return isDeferred(outcome) ? outcome.produce() : outcome;
  };
  return { clock, ctx, run };
}

const text = (r: ResourceResponse) => (r.payload ?? Buffer.alloc(0)).toString('utf8');
const strings = (r: ResourceResponse, n: number) => getOptions(r.options ?? [], n).map((v) => v.toString());
const b = (num: number, more: boolean, szx: number) => encodeBlock({ num, more, szx });

test('/test answers all four methods (TD_COAP_CORE_01-04, 18)', () => {
  const d = device();
  const get = d.run(requestMessage(Code.GET, '/test'));
  assert.equal(get.code, Code.CONTENT);
  assert.ok(get.payload!.length > 0);
  assert.equal(getUintOption(get.options ?? [], OptionNumber.CONTENT_FORMAT), 0);
  assert.equal(d.run(requestMessage(Code.PUT, '/test', [[OptionNumber.CONTENT_FORMAT, 0]], 'x')).code, Code.CHANGED);
  assert.equal(text(d.run(requestMessage(Code.GET, '/test'))), 'x');
  const post = d.run(requestMessage(Code.POST, '/test', [[OptionNumber.CONTENT_FORMAT, 0]], 'y'));
  assert.equal(post.code, Code.CREATED);
  assert.deepEqual(strings(post, OptionNumber.LOCATION_PATH), ['location1', 'location2', 'location3']);
  assert.equal(d.run(requestMessage(Code.DELETE, '/test')).code, Code.DELETED);
});

test('/seg1/seg2/seg3, /query, /location-query (TD_COAP_CORE_13, 14, 19)', () => {
  const d = device();
  assert.equal(d.run(requestMessage(Code.GET, '/seg1/seg2/seg3')).code, Code.CONTENT);
  assert.equal(d.run(requestMessage(Code.GET, '/seg1/seg2')).code, Code.NOT_IMPLEMENTED);
  assert.equal(text(d.run(requestMessage(Code.GET, '/query?first=1&second=2&third=3'))), 'query: first=1&second=2&third=3');
  const lq = d.run(requestMessage(Code.POST, '/location-query', [], 'x'));
  assert.equal(lq.code, Code.CREATED);
  assert.deepEqual(strings(lq, OptionNumber.LOCATION_QUERY), ['first=1', 'second=2']);
  assert.deepEqual(strings(d.run(requestMessage(Code.POST, '/create2', [], 'x')), OptionNumber.LOCATION_PATH), ['location1', 'location2', 'location3']);
});

test('/separate answers separately (TD_COAP_CORE_09)', () => {
  const d = device();
  const { outcome } = dispatch(requestMessage(Code.GET, '/separate'), CLIENT, d.ctx, PLUGTEST_TABLE);
  assert.ok(isDeferred(outcome));
  assert.ok(outcome.delayMs >= 1000);
  assert.equal(outcome.produce().code, Code.CONTENT);
});

test('/multi-format follows Accept (TD_COAP_CORE_20)', () => {
  const d = device();
  const t = d.run(requestMessage(Code.GET, '/multi-format', [[OptionNumber.ACCEPT, 0]]));
  const x = d.run(requestMessage(Code.GET, '/multi-format', [[OptionNumber.ACCEPT, 41]]));
  assert.equal(getUintOption(t.options ?? [], OptionNumber.CONTENT_FORMAT), ContentFormat.TEXT_PLAIN);
  assert.equal(getUintOption(x.options ?? [], OptionNumber.CONTENT_FORMAT), ContentFormat.XML);
  assert.match(text(x), /^<multi-format>/);
  assert.equal(d.run(requestMessage(Code.GET, '/multi-format', [[OptionNumber.ACCEPT, 50]])).code, Code.NOT_ACCEPTABLE);
});

test('/validate: ETag, 2.03 on a match, If-Match on PUT (TD_COAP_CORE_21, 22)', () => {
  const d = device();
  const first = d.run(requestMessage(Code.GET, '/validate'));
  const etag1 = getOption(first.options ?? [], OptionNumber.ETAG)!;
  assert.equal(getUintOption(first.options ?? [], OptionNumber.MAX_AGE), 30);
  const valid = d.run(requestMessage(Code.GET, '/validate', [[OptionNumber.ETAG, etag1]]));
  assert.equal(valid.code, Code.VALID);
  assert.ok(getOption(valid.options ?? [], OptionNumber.ETAG)!.equals(etag1));
  assert.equal(valid.payload, undefined);
  const put = d.run(requestMessage(Code.PUT, '/validate', [[OptionNumber.IF_MATCH, etag1], [OptionNumber.CONTENT_FORMAT, 0]], 'v2'));
  assert.equal(put.code, Code.CHANGED);
  const etag2 = getOption(put.options ?? [], OptionNumber.ETAG)!;
  assert.ok(!etag2.equals(etag1));
  assert.equal(d.run(requestMessage(Code.PUT, '/validate', [[OptionNumber.IF_MATCH, etag1]], 'v3')).code, Code.PRECONDITION_FAILED);
  const again = d.run(requestMessage(Code.GET, '/validate', [[OptionNumber.ETAG, etag1]]));
  assert.equal(again.code, Code.CONTENT);
  assert.equal(text(again), 'v2');
});

test('/create1 with If-None-Match: 2.01 then 4.12 (TD_COAP_CORE_23)', () => {
  const d = device();
  const put = () => d.run(requestMessage(Code.PUT, '/create1', [[OptionNumber.IF_NONE_MATCH, Buffer.alloc(0)]], 'z'));
  assert.equal(d.run(requestMessage(Code.GET, '/create1')).code, Code.NOT_FOUND);
  assert.equal(put().code, Code.CREATED);
  assert.equal(put().code, Code.PRECONDITION_FAILED);
  assert.equal(d.run(requestMessage(Code.DELETE, '/create1')).code, Code.DELETED);
  assert.equal(put().code, Code.CREATED);
});

test('/large over Block2 at 16-byte blocks (TD_COAP_BLOCK_06)', () => {
  const d = device();
  const parts: Buffer[] = [];
  for (let n = 0; ; n++) {
    const r = d.run(requestMessage(Code.GET, '/large', [[OptionNumber.BLOCK2, b(n, false, 0)]]));
    const blk = decodeBlock(getOption(r.options ?? [], OptionNumber.BLOCK2)!);
    parts.push(r.payload!);
    if (!blk.more) break;
  }
  assert.ok(Buffer.concat(parts).equals(LARGE_BODY));
  assert.ok(LARGE_BODY.length > 2048);
});

test('/large-update and /large-create take Block1 bodies (TD_COAP_BLOCK_03, 04)', () => {
  const d = device();
  const body = Buffer.from('u'.repeat(200));
  const send = (code: number, path: string) => {
    let last: ResourceResponse | undefined;
    for (let n = 0; n * 64 < body.length; n++) {
      const more = (n + 1) * 64 < body.length;
      last = d.run(requestMessage(code, path, [[OptionNumber.BLOCK1, b(n, more, 2)]], body.subarray(n * 64, n * 64 + 64)));
      if (more) assert.equal(last.code, Code.CONTINUE);
    }
    return last!;
  };
  assert.equal(send(Code.PUT, '/large-update').code, Code.CHANGED);
  assert.equal(text(d.run(requestMessage(Code.GET, '/large-update'))), body.toString());
  const created = send(Code.POST, '/large-create');
  assert.equal(created.code, Code.CREATED);
  const location = strings(created, OptionNumber.LOCATION_PATH);
  assert.equal(location[0], 'large-create');
  assert.equal(location.length, 2);
  assert.equal(text(d.run(requestMessage(Code.GET, `/large-create/${location[1]}`))), body.toString());
  assert.equal(d.run(requestMessage(Code.GET, '/large-create/999')).code, Code.NOT_FOUND);
});

test('/large-post: Block1 request, Block2 answer served from the stored body (TD_COAP_BLOCK_05)', () => {
  const d = device();
  const body = Buffer.alloc(130, 0x61);
  const r0 = d.run(requestMessage(Code.POST, '/large-post', [[OptionNumber.BLOCK1, b(0, true, 2)]], body.subarray(0, 64)));
  assert.equal(r0.code, Code.CONTINUE);
  d.run(requestMessage(Code.POST, '/large-post', [[OptionNumber.BLOCK1, b(1, true, 2)]], body.subarray(64, 128)));
  const last = d.run(requestMessage(Code.POST, '/large-post', [[OptionNumber.BLOCK1, b(2, false, 2)]], body.subarray(128)));
  assert.equal(last.code, Code.CHANGED);
  assert.deepEqual(decodeBlock(getOption(last.options ?? [], OptionNumber.BLOCK1)!), { num: 2, more: false, szx: 2 });
  assert.deepEqual(decodeBlock(getOption(last.options ?? [], OptionNumber.BLOCK2)!), { num: 0, more: true, szx: 6 });
  const parts = [last.payload!];
  for (let n = 1; ; n++) {
    const r = d.run(requestMessage(Code.POST, '/large-post', [[OptionNumber.BLOCK2, b(n, false, 6)]]));
    assert.equal(r.code, Code.CHANGED);
    parts.push(r.payload!);
    if (!decodeBlock(getOption(r.options ?? [], OptionNumber.BLOCK2)!).more) break;
  }
  assert.match(Buffer.concat(parts).toString(), /^received 130 bytes sha256=/);
});

test('/obs: PUT notifies, a new Content-Format ends with 4.06, DELETE ends with 4.04 (TD_COAP_OBS_07-09)', () => {
  const d = device();
  const a = d.run(requestMessage(Code.GET, '/obs'));
  d.clock.advance(d.ctx.config.observePeriodMs);
  assert.notEqual(text(d.run(requestMessage(Code.GET, '/obs'))), text(a), 'changes every period');
  assert.equal(d.run(requestMessage(Code.PUT, '/obs', [[OptionNumber.CONTENT_FORMAT, 0]], 'new')).code, Code.CHANGED);
  assert.deepEqual(d.ctx.changes, ['/obs']);
  assert.equal(text(d.run(requestMessage(Code.GET, '/obs'))), 'new');
  d.run(requestMessage(Code.PUT, '/obs', [[OptionNumber.CONTENT_FORMAT, 41]], '<x/>'));
  assert.equal(d.ctx.ended[0]!.final.code, Code.NOT_ACCEPTABLE);
  assert.equal(d.run(requestMessage(Code.DELETE, '/obs')).code, Code.DELETED);
  assert.equal(d.ctx.ended[1]!.final.code, Code.NOT_FOUND);
  assert.equal(d.run(requestMessage(Code.GET, '/obs')).code, Code.NOT_FOUND);
  assert.equal(d.run(requestMessage(Code.PUT, '/obs', [[OptionNumber.CONTENT_FORMAT, 0]], 'back')).code, Code.CREATED);
});

test('/obs-large is larger than one block; /obs-pumping alternates small and large', () => {
  const d = device();
  const big = d.run(requestMessage(Code.GET, '/obs-large'));
  assert.deepEqual(decodeBlock(getOption(big.options ?? [], OptionNumber.BLOCK2)!), { num: 0, more: true, szx: 6 });
  const sizes = new Set<boolean>();
  for (let i = 0; i < 2; i++) {
    sizes.add(getOption(d.run(requestMessage(Code.GET, '/obs-pumping')).options ?? [], OptionNumber.BLOCK2) !== undefined);
    d.clock.advance(d.ctx.config.observePeriodMs);
  }
  assert.deepEqual([...sizes].sort(), [false, true]);
});
