// e2e: ETSI TD_COAP_BLOCK_01-06 (Block2 early/late negotiation, Block1 PUT/POST, Block1+Block2) through the gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Code, OptionNumber, decodeBlock, getOption, getOptions, getUintOption, szxToSize, type Message } from '../../src/coap/index.js';
import { TdWorld } from './gateway-td-harness.js';

let w: TdWorld;
let port: number;
let large: Buffer;

before(async () => {
  // Devices in their own loopback block (127.1.103.x).
  w = await TdWorld.start({ firstAddressIndex: 254 * 103 });
  port = await w.session();
  const out = join(w.dir, 'direct-large');
  await w.run(['-m', 'get', '-o', out, `coap://${w.device().identity.address}/large`]);
  large = readFileSync(out);
  assert.ok(large.length > 2048, `/large is ${large.length} bytes`);
});

after(async () => {
  await w?.close();
});

interface BlockView {
  readonly num: number;
  readonly more: boolean;
  readonly size: number;
}

function block(m: Message, option: number): BlockView | undefined {
  const raw = getOption(m, option);
  if (raw === undefined) return undefined;
  const b = decodeBlock(raw);
  assert.ok(b.ok);
  return { num: b.value.num, more: b.value.more, size: szxToSize(b.value.szx) };
}

interface Transfer {
  /** The client leg as it crossed the wire (libcoap prints only the first and last Block1 messages). */
  readonly requests: Message[];
  readonly responses: Message[];
  readonly body: Buffer;
  /** Requests that reached the device. */
  readonly device: Message[];
}

let runs = 0;

/** coap-client through the gateway; the response body goes to a file. */
async function transfer(args: readonly string[], path: string): Promise<Transfer> {
  const out = join(w.dir, `out-${++runs}`);
  writeFileSync(out, '');
  const mark = w.tap.mark();
  const relayMark = w.relay.log.length;
  const r = await w.via(port, ['-o', out, ...args], path);
  assert.doesNotMatch(r.stderr, /\d\.\d\d/, r.stderr);
  const leg = w.relay.log.slice(relayMark).filter((e) => e.client === `127.0.0.1:${port}`);
  return {
    requests: leg.filter((e) => e.dir === 'up' && e.message.code >= 1 && e.message.code <= 31).map((e) => e.message),
    responses: leg.filter((e) => e.dir === 'down' && e.message.code >= 64).map((e) => e.message),
    body: readFileSync(out),
    device: w.tap.requests(w.device(), mark),
  };
}

/** Block2 responses NUM 0..n-1 in order, M on all but the last, the given size; the device got one GET per block. */
function assertBlock2Sequence(r: Transfer, size: number): void {
  const count = Math.ceil(large.length / size);
  assert.equal(r.responses.length, count, `${count} blocks of ${size}`);
  r.responses.forEach((m, i) => {
    assert.deepEqual(block(m, OptionNumber.BLOCK2), { num: i, more: i < count - 1, size }, `block ${i}`);
    assert.equal(m.payload.length, i < count - 1 ? size : large.length - size * (count - 1));
  });
  assert.deepEqual(r.body, large, 'the whole body, in order');
  assert.equal(r.device.length, count, 'each block crossed the mesh once');
  // (late negotiation: the first request carries no Block2, which means block 0)
  r.device.forEach((m, i) => assert.equal(block(m, OptionNumber.BLOCK2)?.num ?? 0, i, `upstream block ${i}`));
}

test('TD_COAP_BLOCK_01: GET with early negotiation (Block2 NUM=0 SZX=2): 64-byte blocks with M until the last', async () => {
  const r = await transfer(['-m', 'get', '-b', '64'], '/large');
  assert.deepEqual(block(r.requests[0] as Message, OptionNumber.BLOCK2), { num: 0, more: false, size: 64 });
  assertBlock2Sequence(r, 64);
});

test('TD_COAP_BLOCK_02: GET with late negotiation: the device starts Block2 at 1024, the client continues', async () => {
  const r = await transfer(['-m', 'get'], '/large');
  assert.equal(block(r.requests[0] as Message, OptionNumber.BLOCK2), undefined, 'no Block2 in the first request');
  assert.equal(getUintOption(r.responses[0] as Message, OptionNumber.SIZE2), large.length, 'Size2 announces the whole body');
  assertBlock2Sequence(r, 1024);
});

test('TD_COAP_BLOCK_06: GET with 16-byte blocks (SZX=0)', async () => {
  const r = await transfer(['-m', 'get', '-b', '16'], '/large');
  assertBlock2Sequence(r, 16);
});

/** A body of `bytes` whose every 64-byte block differs, so a repeated or skipped block shows. */
function bodyFile(name: string, bytes: number): { file: string; data: Buffer } {
  const data = Buffer.from(Array.from({ length: Math.ceil(bytes / 16) }, (_, i) => `${name}:${String(i).padStart(5, '0')}|`).join('').slice(0, bytes));
  const file = join(w.dir, name);
  writeFileSync(file, data);
  return { file, data };
}

/** Block1 requests NUM 0..n-1 with M on all but the last; 2.31 Continue for each but the last; the device got each block once. */
function assertBlock1Sequence(r: Transfer, data: Buffer, size: number, final: number): Message {
  const count = Math.ceil(data.length / size);
  const uploads = r.requests.filter((m) => block(m, OptionNumber.BLOCK1) !== undefined);
  assert.equal(uploads.length, count);
  uploads.forEach((m, i) => {
    assert.deepEqual(block(m, OptionNumber.BLOCK1), { num: i, more: i < count - 1, size }, `request block ${i}`);
    assert.deepEqual(m.payload, data.subarray(i * size, (i + 1) * size));
  });
  const answers = r.responses.slice(0, count);
  answers.slice(0, -1).forEach((m, i) => {
    assert.equal(m.code, Code.CONTINUE, `block ${i} answered 2.31 Continue`);
    assert.deepEqual(block(m, OptionNumber.BLOCK1), { num: i, more: true, size });
  });
  const last = answers[count - 1] as Message;
  assert.equal(last.code, final);
  assert.deepEqual(block(last, OptionNumber.BLOCK1), { num: count - 1, more: false, size });
  assert.equal(r.device.filter((m) => block(m, OptionNumber.BLOCK1) !== undefined).length, count, 'each block crossed the mesh once');
  return last;
}

test('TD_COAP_BLOCK_03: PUT with Block1: 2.31 per block, final 2.04; the device holds the complete body', async () => {
  const { file, data } = bodyFile('block03', 1000);
  const r = await transfer(['-m', 'put', '-b', '64', '-t', '0', '-f', file], '/large-update');
  assertBlock1Sequence(r, data, 64, Code.CHANGED);
  assert.deepEqual(w.device().state.plugtest?.largeUpdate, data);
});

test('TD_COAP_BLOCK_04: POST with Block1 creates: 2.31 per block, final 2.01 with Location-Path large-create/<id>', async () => {
  const { file, data } = bodyFile('block04', 700);
  const r = await transfer(['-m', 'post', '-b', '64', '-t', '0', '-f', file], '/large-create');
  const last = assertBlock1Sequence(r, data, 64, Code.CREATED);
  const location = getOptions(last, OptionNumber.LOCATION_PATH).map(String);
  assert.equal(location.length, 2);
  assert.equal(location[0], 'large-create');
  const id = location[1] as string;
  assert.deepEqual(w.device().state.plugtest?.largeCreated.get(id), data);
});

test('TD_COAP_BLOCK_05: POST with Block1 answered with Block2: final 2.04 with Block1 and Block2 NUM=0 M=1, the client fetches the rest', async () => {
  const { file, data } = bodyFile('block05', 900);
  const r = await transfer(['-m', 'post', '-b', '64', '-t', '0', '-f', file], '/large-post');
  const count = Math.ceil(data.length / 64);
  const final = assertBlock1Sequence(r, data, 64, Code.CHANGED);
  const first = block(final, OptionNumber.BLOCK2);
  assert.deepEqual([first?.num, first?.more], [0, true], 'the answer starts with Block2 NUM=0 M=1');
  // The client fetches the rest: the blocks follow each other byte by byte (RFC 7959 §2.4).
  let offset = final.payload.length;
  const rest = r.responses.slice(count);
  assert.ok(rest.length >= 1);
  for (const m of rest) {
    const b = block(m, OptionNumber.BLOCK2);
    assert.equal((b?.num ?? -1) * (b?.size ?? 0), offset, 'contiguous');
    offset += m.payload.length;
  }
  assert.equal(block(rest[rest.length - 1] as Message, OptionNumber.BLOCK2)?.more, false);
  assert.equal(offset, r.body.length);
  const digest = createHash('sha256').update(data).digest('hex');
  assert.ok(r.body.toString().startsWith(`received ${data.length} bytes sha256=${digest}\n`), r.body.subarray(0, 120).toString());
});
