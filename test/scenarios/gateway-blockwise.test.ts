import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, OptionNumber, decodeBlock, encodeBlock, getOption, type Message } from '../../src/coap/index.js';
import type { Endpoint } from '../../src/engine/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';

/** Fetches a whole body through the gateway, one Block2 request per block (RFC 7959 §2.4). */
async function getBlockwise(w: GatewayWorld, c: Endpoint, path: string, szx: number): Promise<{ body: Buffer; blocks: number }> {
  const parts: Buffer[] = [];
  for (let num = 0; ; num++) {
    const r: Message = await w.run(c.request(GATEWAY, w.proxied(path, { options: [[OptionNumber.BLOCK2, encodeBlock({ num, more: false, szx })]] })));
    assert.equal(r.code, Code.CONTENT, `block ${num}`);
    const raw = getOption(r, OptionNumber.BLOCK2);
    assert.ok(raw, 'Block2 in the response');
    const block = decodeBlock(raw);
    assert.ok(block.ok);
    assert.equal(block.value.num, num);
    parts.push(r.payload);
    if (!block.value.more) return { body: Buffer.concat(parts), blocks: num + 1 };
  }
}

test('Block2: a large resource comes through block by block at 16, 64 and 1024 bytes (R80)', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const c = w.client();
  await w.login(c);
  const whole = await getBlockwise(w, c, '/large', 6);
  assert.ok(whole.body.length > 1024, `large is ${whole.body.length} bytes`);
  for (const szx of [0, 2]) {
    const r = await getBlockwise(w, c, '/large', szx);
    assert.deepEqual(r.body, whole.body, `szx ${szx}`);
    assert.equal(r.blocks, Math.ceil(whole.body.length / (16 << szx)));
  }
  await w.leakCheck();
});

test('Block1: two clients uploading to one resource at once never mix (RFC 9175 §3.3, R85)', async () => {
  const w = await GatewayWorld.create({ plugtest: 1 });
  const a = w.client();
  const b = w.client();
  await w.login(a, 'all:alice');
  await w.login(b, 'all:bob');
  const bodyA = Buffer.from('A'.repeat(200));
  const bodyB = Buffer.from('B'.repeat(200));
  const szx = 2; // 64-byte blocks
  const blocks = Math.ceil(200 / 64);
  const put = (c: Endpoint, body: Buffer, num: number) => {
    const more = (num + 1) * 64 < body.length;
    return w.run(
      c.request(
        GATEWAY,
        w.proxied('/large-update', {
          code: Code.PUT,
          options: [
            [OptionNumber.CONTENT_FORMAT, 0],
            [OptionNumber.BLOCK1, encodeBlock({ num, more, szx })],
          ],
          payload: body.subarray(num * 64, (num + 1) * 64).toString(),
        }),
      ),
    );
  };
  const finals: Message[] = [];
  for (let num = 0; num < blocks; num++) {
    const ra = await put(a, bodyA, num);
    const rb = await put(b, bodyB, num);
    if (num < blocks - 1) {
      assert.equal(ra.code, Code.CONTINUE, `A block ${num}`);
      assert.equal(rb.code, Code.CONTINUE, `B block ${num}`);
    } else finals.push(ra, rb);
  }
  for (const f of finals) assert.equal(f.code, Code.CHANGED);
  const back = await w.run(a.request(GATEWAY, w.proxied('/large-update')));
  const text = back.payload.toString();
  assert.ok(text === bodyA.toString() || text === bodyB.toString(), `an intact body, got ${text.slice(0, 80)}...`);
  await w.leakCheck();
});
