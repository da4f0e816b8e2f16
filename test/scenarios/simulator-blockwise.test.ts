// Scenario: block-wise transfers both ways (Block2 at every size, Block1 with 2.31/4.08/4.13, Block1+Block2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, OptionNumber, encodeUint, getOption, getUintOption, decodeUint, type Message } from '../../src/coap/index.js';
import { startScenario, text, type Scenario } from './simulator-harness.js';

const block = (num: number, more: boolean, szx: number) => encodeUint(num * 16 + (more ? 8 : 0) + szx);
const decodeBlock = (m: Message, n: number) => {
  const v = decodeUint(getOption(m, n)!);
  return { num: v >> 4, more: (v & 8) !== 0, szx: v & 7 };
};

async function fetchAll(s: Scenario, uri: string, szx?: number): Promise<{ body: Buffer; blocks: number; etags: Set<string> }> {
  const parts: Buffer[] = [];
  const etags = new Set<string>();
  let next = 0;
  let size = szx;
  for (;;) {
    const extra = size === undefined ? [] : ([[OptionNumber.BLOCK2, block(next, false, size)]] as const);
    const r = await s.request(Code.GET, uri, extra);
    assert.equal(r.code, Code.CONTENT);
    const etag = getOption(r, OptionNumber.ETAG);
    if (etag !== undefined) etags.add(etag.toString('hex'));
    parts.push(r.payload);
    if (getOption(r, OptionNumber.BLOCK2) === undefined) break;
    const b = decodeBlock(r, OptionNumber.BLOCK2);
    assert.equal(b.num, next);
    assert.ok(r.payload.length <= 1 << (b.szx + 4));
    if (!b.more) break;
    size = b.szx;
    next++;
  }
  return { body: Buffer.concat(parts), blocks: parts.length, etags };
}

test('Block2: the >4 KB load profile over every block size, early and late negotiation (RFC 7959 §2.4)', async () => {
  const s = await startScenario();
  const late = await fetchAll(s, '/meter/profile');
  assert.ok(late.body.length > 4096);
  assert.equal(late.blocks, Math.ceil(late.body.length / 1024));
  for (const szx of [0, 2, 4, 6]) {
    const early = await fetchAll(s, '/meter/profile', szx);
    assert.ok(early.body.equals(late.body), `szx ${szx}`);
    assert.equal(early.etags.size, 1, 'one ETag for one representation');
  }
  await s.finish();
});

test('Block2 also serves the plugtest /large and a large /.well-known/core', async () => {
  const s = await startScenario();
  const large = await fetchAll(s, '/large', 2);
  assert.match(large.body.toString(), /^large line 0000/);
  assert.equal(large.body.length, 2700);
  const wkc = await fetchAll(s, '/.well-known/core', 3);
  assert.ok(wkc.blocks > 1);
  assert.match(wkc.body.toString(), /<\/obs-pumping>/);
  await s.finish();
});

test('Block1: /fw upload with 2.31 Continue, the final 2.04, and a 4.08 for a gap (RFC 7959 §2.5, §2.9.2)', async () => {
  const s = await startScenario();
  const image = Buffer.alloc(5000);
  for (let i = 0; i < image.length; i++) image[i] = (i * 7) & 0xff;
  const szx = 4;
  const size = 1 << (szx + 4);
  let last: Message | undefined;
  for (let num = 0; num * size < image.length; num++) {
    const more = (num + 1) * size < image.length;
    last = await s.request(
      Code.PUT,
      '/fw',
      [
        [OptionNumber.BLOCK1, block(num, more, szx)],
        [OptionNumber.SIZE1, image.length],
        [OptionNumber.CONTENT_FORMAT, 42],
      ],
      image.subarray(num * size, (num + 1) * size),
    );
    assert.equal(last.code, more ? Code.CONTINUE : Code.CHANGED, `block ${num}`);
    assert.deepEqual(decodeBlock(last, OptionNumber.BLOCK1), { num, more, szx });
  }
  assert.match(text(last!), /^received 5000 bytes sha256=/);
  assert.equal(s.device.state.firmware?.size, 5000);
  const start = await s.request(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(0, true, szx)]], image.subarray(0, size));
  assert.equal(start.code, Code.CONTINUE);
  const gap = await s.request(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(2, true, szx)]], image.subarray(2 * size, 3 * size));
  assert.equal(gap.code, Code.REQUEST_ENTITY_INCOMPLETE);
  await s.finish();
});

test('Block1: a body over the limit gets 4.13 with Size1 (RFC 7959 §2.9.3)', async () => {
  const s = await startScenario({ config: { maxFirmwareBytes: 2048 } });
  const announced = await s.request(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(0, true, 6)], [OptionNumber.SIZE1, 4096]], Buffer.alloc(1024));
  assert.equal(announced.code, Code.REQUEST_ENTITY_TOO_LARGE);
  assert.equal(getUintOption(announced, OptionNumber.SIZE1), 2048);
  // Without Size1 the device notices once the body grows past the limit.
  for (let num = 0; num < 2; num++) {
    assert.equal((await s.request(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(num, true, 6)]], Buffer.alloc(1024))).code, Code.CONTINUE);
  }
  const over = await s.request(Code.PUT, '/fw', [[OptionNumber.BLOCK1, block(2, false, 6)]], Buffer.alloc(10));
  assert.equal(over.code, Code.REQUEST_ENTITY_TOO_LARGE);
  await s.finish();
});

test('Block1 + Block2: POST /large-post (TD_COAP_BLOCK_05)', async () => {
  const s = await startScenario();
  const body = Buffer.alloc(200, 0x41);
  let r: Message | undefined;
  for (let num = 0; num * 64 < body.length; num++) {
    const more = (num + 1) * 64 < body.length;
    r = await s.request(Code.POST, '/large-post', [[OptionNumber.BLOCK1, block(num, more, 2)]], body.subarray(num * 64, num * 64 + 64));
  }
  assert.equal(r!.code, Code.CHANGED);
  const parts = [r!.payload];
  let b = decodeBlock(r!, OptionNumber.BLOCK2);
  while (b.more) {
    const next = await s.request(Code.POST, '/large-post', [[OptionNumber.BLOCK2, block(b.num + 1, false, b.szx)]]);
    parts.push(next.payload);
    b = decodeBlock(next, OptionNumber.BLOCK2);
  }
  assert.match(Buffer.concat(parts).toString(), /^received 200 bytes/);
  await s.finish();
});
