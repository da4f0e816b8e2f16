// Unit tests: routing (5.01/4.05), option rules, /.well-known/core filters, Block2 slicing, Block1 reassembly, /slow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../base/index.js';
import { Code, decodeBlock as decodeBlockResult, encodeBlock, ContentFormat, OptionNumber, getOption, getUintOption, type Message } from '../../coap/index.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { createIdentities } from '../device-identity.js';
import { NIC_TABLE, PLUGTEST_TABLE } from '../device-profiles.js';
import { dispatch } from './dispatch.js';
import { isDeferred, type ResourceResponse } from './resource.js';
import type { ResourceTable } from './resource-table.js';
import { createStandaloneContext, requestMessage } from './standalone-context.js';

/** The NUM/M/SZX of a Block option value (fails the test when malformed). */
function decodeBlock(value: Buffer): { num: number; more: boolean; szx: number } {
  const r = decodeBlockResult(value);
  assert.ok(r.ok, 'a valid Block option');
  return { num: r.value.num, more: r.value.more, szx: r.value.szx };
}

const CLIENT = { address: '127.0.0.1', port: 40000 };

function device(table: ResourceTable = NIC_TABLE) {
  const clock = new FakeClock();
  const [identity] = createIdentities({ count: 1, domain: 'mesh.test', random: seededRandom(1) });
  const ctx = createStandaloneContext({ identity: identity!, table, clock, random: seededRandom(2) });
  const run = (m: Message, from = CLIENT): ResourceResponse => {
    const { outcome } = dispatch(m, from, ctx, table);
    return isDeferred(outcome) ? outcome.produce() : outcome;
  };
  return { clock, ctx, run };
}

const text = (r: ResourceResponse) => (r.payload ?? Buffer.alloc(0)).toString('utf8');
const block = (n: number, more: boolean, szx: number) => encodeBlock({ num: n, more, szx });

test('unknown path -> 5.01 Not Implemented (vendor NIC behaviour), wrong method -> 4.05', () => {
  const d = device();
  const r = d.run(requestMessage(Code.GET, '/dummy'));
  assert.equal(r.code, Code.NOT_IMPLEMENTED);
  assert.match(text(r), /dummy/);
  assert.equal(d.run(requestMessage(Code.DELETE, '/time')).code, Code.METHOD_NOT_ALLOWED);
  assert.equal(d.run(requestMessage(Code.FETCH, '/gpio')).code, Code.METHOD_NOT_ALLOWED);
  // RFC 7252 §5.8: an unknown method code is 4.05 too.
  assert.equal(d.run(requestMessage(8, '/time')).code, Code.METHOD_NOT_ALLOWED);
});

test('option rules of an origin server (RFC 7252 §5.4.1, §5.4.5, §5.7.2; RFC 7959 §2.2)', () => {
  const d = device();
  assert.equal(d.run(requestMessage(Code.GET, '/time', [[2049, 'x']])).code, Code.BAD_OPTION);
  assert.equal(d.run(requestMessage(Code.GET, '/time', [[2048, 'x']])).code, Code.CONTENT, 'elective unknown ignored');
  assert.equal(d.run(requestMessage(Code.GET, '/time', [[2050, 'x']])).code, Code.CONTENT, 'elective unsafe ignored');
  assert.equal(
    d.run(requestMessage(Code.GET, '/time', [[OptionNumber.ACCEPT, 0], [OptionNumber.ACCEPT, 0]])).code,
    Code.BAD_OPTION,
    'repeated non-repeatable critical option',
  );
  assert.equal(d.run(requestMessage(Code.GET, '/time', [[OptionNumber.OSCORE, Buffer.alloc(0)]])).code, Code.BAD_OPTION);
  assert.equal(d.run(requestMessage(Code.GET, '/time', [[OptionNumber.PROXY_URI, 'coap://x/time']])).code, Code.PROXYING_NOT_SUPPORTED);
  assert.equal(d.run(requestMessage(Code.GET, '/meter/profile', [[OptionNumber.BLOCK2, Buffer.from([0x07])]])).code, Code.BAD_REQUEST);
  // Uri-Host in any letter case is accepted (issue #4), as are Uri-Port and Hop-Limit.
  const r = d.run(
    requestMessage(Code.GET, '/time', [
      [OptionNumber.URI_HOST, 'SSN001350050005E7D6.Mesh.Test'],
      [OptionNumber.URI_PORT, 5683],
      [OptionNumber.HOP_LIMIT, 16],
    ]),
  );
  assert.equal(r.code, Code.CONTENT);
});

test('/.well-known/core lists links with rt/if/ct/obs and filters them (RFC 6690 §4.1)', () => {
  const d = device();
  const all = d.run(requestMessage(Code.GET, '/.well-known/core'));
  assert.equal(all.code, Code.CONTENT);
  assert.equal(getUintOption(all.options ?? [], OptionNumber.CONTENT_FORMAT), ContentFormat.LINK_FORMAT);
  const body = text(all);
  assert.match(body, /<\/time>;rt="ssn\.time";if="core\.p";ct="0 50";title="Device clock";obs/);
  assert.match(body, /<\/gpio>;[^,]*obs/);
  assert.match(body, /<\/meter\/profile>;[^,]*sz=6000/);
  const only = (q: string) => text(d.run(requestMessage(Code.GET, `/.well-known/core?${q}`)));
  assert.equal(only('rt=ssn.time').split(',').length, 1);
  assert.match(only('rt=ssn.meter*'), /^<\/meter\/register>.*,<\/meter\/profile>/);
  assert.equal(only('href=/gpio').split(',')[0]!.split(';')[0], '</gpio>');
  assert.equal(only('obs').split(',').length, 3);
  assert.equal(only('ct=50').split(',').length, 4);
  assert.equal(only('rt=nomatch'), '');
});

test('plugtest discovery filters (TD_COAP_LINK_02-09)', () => {
  const d = device(PLUGTEST_TABLE);
  const hrefs = (q: string) =>
    text(d.run(requestMessage(Code.GET, `/.well-known/core?${q}`)))
      .split(',')
      .filter((l) => l !== '')
      .map((l) => l.slice(1, l.indexOf('>')));
  assert.deepEqual(hrefs('rt=Type2'), ['/link1', '/link2']);
  assert.deepEqual(hrefs('if=If*'), ['/link1', '/link2']);
  assert.deepEqual(hrefs('href=/link*'), ['/link1', '/link2', '/link3']);
  assert.deepEqual(hrefs('href=/link1'), ['/link1']);
  assert.ok(hrefs('sz=*').includes('/large'));
  assert.ok(!hrefs('sz=*').includes('/test'));
  assert.ok(hrefs('rt=*').includes('/seg1/seg2/seg3'), 'rt="" counts as having rt');
  assert.ok(!hrefs('rt=*').includes('/path'));
  const path = d.run(requestMessage(Code.GET, '/path'));
  assert.equal(getUintOption(path.options ?? [], OptionNumber.CONTENT_FORMAT), ContentFormat.LINK_FORMAT);
  assert.equal(text(path), '</path/sub1>;ct=0,</path/sub2>;ct=0,</path/sub3>;ct=0');
  assert.equal(text(d.run(requestMessage(Code.GET, '/path/sub2'))), '/path/sub2');
});

test('Block2: late negotiation at 1024, early negotiation honours the client size, same ETag throughout', () => {
  const d = device();
  const whole = d.run(requestMessage(Code.GET, '/meter/profile'));
  const b0 = decodeBlock(getOption(whole.options ?? [], OptionNumber.BLOCK2)!);
  assert.deepEqual(b0, { num: 0, more: true, szx: 6 });
  assert.equal(whole.payload!.length, 1024);
  const total = getUintOption(whole.options ?? [], OptionNumber.SIZE2)!;
  assert.ok(total > 4096, `profile is ${total} bytes`);
  const etag = getOption(whole.options ?? [], OptionNumber.ETAG)!;

  const parts: Buffer[] = [];
  for (let num = 0; ; num++) {
    const r = d.run(requestMessage(Code.GET, '/meter/profile', [[OptionNumber.BLOCK2, block(num, false, 2)]]));
    assert.equal(r.code, Code.CONTENT);
    const b = decodeBlock(getOption(r.options ?? [], OptionNumber.BLOCK2)!);
    assert.equal(b.num, num);
    assert.equal(b.szx, 2);
    assert.ok(getOption(r.options ?? [], OptionNumber.ETAG)!.equals(etag));
    parts.push(r.payload!);
    if (!b.more) break;
    assert.equal(r.payload!.length, 64);
  }
  assert.equal(Buffer.concat(parts).length, total);
  assert.match(Buffer.concat(parts).toString(), /^interval_end,import_kwh/);
  const beyond = d.run(requestMessage(Code.GET, '/meter/profile', [[OptionNumber.BLOCK2, block(1000, false, 6)]]));
  assert.equal(beyond.code, Code.BAD_OPTION);
  // A client asking for more than the device's largest block gets the largest, renumbered by offset.
  const small = device();
  const capped = dispatch(
    requestMessage(Code.GET, '/meter/profile', [[OptionNumber.BLOCK2, block(1, false, 6)]]),
    CLIENT,
    { ...small.ctx, config: { ...small.ctx.config, maxBlockSzx: 4 } },
    NIC_TABLE,
  ).outcome as ResourceResponse;
  assert.deepEqual(decodeBlock(getOption(capped.options ?? [], OptionNumber.BLOCK2)!), { num: 4, more: true, szx: 4 });
});

test('Block1 upload to /fw: 2.31 Continue per block, final 2.04 with Block1, whole body stored', () => {
  const d = device();
  const body = Buffer.alloc(300, 7);
  for (let num = 0; num * 64 < body.length; num++) {
    const chunk = body.subarray(num * 64, num * 64 + 64);
    const more = (num + 1) * 64 < body.length;
    const r = d.run(
      requestMessage(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(num, more, 2)], [OptionNumber.SIZE1, body.length], [OptionNumber.REQUEST_TAG, Buffer.from([9])]], chunk),
    );
    assert.equal(r.code, more ? Code.CONTINUE : Code.CHANGED);
    assert.deepEqual(decodeBlock(getOption(r.options ?? [], OptionNumber.BLOCK1)!), { num, more, szx: 2 });
  }
  assert.equal(d.ctx.state.firmware?.size, 300);
  assert.match(text(d.run(requestMessage(Code.GET, '/fw'))), /last upload 300 bytes/);
});

test('Block1: a gap gives 4.08, too large gives 4.13 with Size1 (RFC 7959 §2.9.2-2.9.3)', () => {
  const d = device();
  const chunk = Buffer.alloc(64, 1);
  assert.equal(d.run(requestMessage(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(0, true, 2)]], chunk)).code, Code.CONTINUE);
  const gap = d.run(requestMessage(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(2, true, 2)]], chunk));
  assert.equal(gap.code, Code.REQUEST_ENTITY_INCOMPLETE);
  assert.equal(d.run(requestMessage(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(5, false, 2)]], chunk, )).code, Code.REQUEST_ENTITY_INCOMPLETE);
  const max = d.ctx.config.maxFirmwareBytes;
  const big = d.run(requestMessage(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(0, true, 6)], [OptionNumber.SIZE1, max + 1]], Buffer.alloc(1024)));
  assert.equal(big.code, Code.REQUEST_ENTITY_TOO_LARGE);
  assert.equal(getUintOption(big.options ?? [], OptionNumber.SIZE1), max);
  const whole = d.run(requestMessage(Code.PUT, '/gpio', [], Buffer.alloc(d.ctx.config.maxBodyBytes + 1)));
  assert.equal(whole.code, Code.REQUEST_ENTITY_TOO_LARGE);
  // Two clients uploading at once never mix (RFC 9175 §3.3: keyed by endpoint and Request-Tag).
  const other = { address: '127.0.0.2', port: 40000 };
  assert.equal(d.run(requestMessage(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(0, true, 2)]], Buffer.alloc(64, 1))).code, Code.CONTINUE);
  assert.equal(d.run(requestMessage(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(0, true, 2)]], Buffer.alloc(64, 2)), other).code, Code.CONTINUE);
  assert.equal(d.run(requestMessage(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(1, false, 2)]], Buffer.alloc(10, 1))).code, Code.CHANGED);
  assert.equal(d.ctx.state.firmware?.size, 74);
});

test('/slow answers as a separate response after ?delay seconds', () => {
  const d = device();
  const { outcome } = dispatch(requestMessage(Code.GET, '/slow?delay=2.5'), CLIENT, d.ctx, NIC_TABLE);
  assert.ok(isDeferred(outcome));
  assert.equal(outcome.delayMs, 2500);
  d.clock.advance(2500);
  assert.match(text(outcome.produce()), /answered after 2\.5 s/);
  const dflt = dispatch(requestMessage(Code.GET, '/slow'), CLIENT, d.ctx, NIC_TABLE).outcome;
  assert.ok(isDeferred(dflt) && dflt.delayMs === d.ctx.config.slowDefaultMs);
  assert.equal(d.run(requestMessage(Code.GET, '/slow?delay=abc')).code, Code.BAD_REQUEST);
  assert.equal(d.run(requestMessage(Code.GET, '/slow?delay=100000')).code, Code.BAD_REQUEST);
});
