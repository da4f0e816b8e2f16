// Unit tests: client block-wise transfers (RFC 7959) against a scripted in-process server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Code, MessageType, OptionNumber, decodeBlock, encodeBlock, encodeUint, getOption, getUintOption, sliceBlock, type CoapOption, type Message,
} from '../coap/index.js';
import type { OutgoingRequest } from '../engine/index.js';
import { completeBlock2, transfer, type TransferProgress } from './block-transfer.js';

const body = (n: number, seed = 0): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251));

function reply(code: number, options: CoapOption[], payload: Buffer = Buffer.alloc(0)): Message {
  return { type: MessageType.ACK, code, messageId: 0, token: Buffer.alloc(0), options: options.sort((a, b) => a.number - b.number), payload };
}

function block(message: { options?: readonly CoapOption[] }, n: number): { num: number; more: boolean; szx: number } | undefined {
  const raw = getOption(message.options ?? [], n);
  if (raw === undefined) return undefined;
  const b = decodeBlock(raw);
  assert.ok(b.ok);
  return { num: b.value.num, more: b.value.more, szx: b.value.szx };
}

/** A server with one resource: Block2 on GET (capped at maxSzx), atomic Block1 on PUT/POST. */
class Server {
  readonly requests: OutgoingRequest[] = [];
  representation: Buffer;
  etag = Buffer.from([1]);
  uploaded: Buffer[] = [];
  received = Buffer.alloc(0);
  constructor(
    size: number,
    readonly maxSzx = 6,
    readonly preferSzx?: number,
  ) {
    this.representation = body(size);
  }
  onRequest?: (request: OutgoingRequest, index: number) => Message | undefined;

  send = async (request: OutgoingRequest): Promise<Message> => {
    this.requests.push(request);
    const scripted = this.onRequest?.(request, this.requests.length - 1);
    if (scripted !== undefined) return scripted;
    const b1 = block(request, OptionNumber.BLOCK1);
    if (b1 !== undefined) {
      this.uploaded.push(request.payload ?? Buffer.alloc(0));
      const szx = Math.min(b1.szx, this.preferSzx ?? 6);
      if (b1.more) return reply(Code.CONTINUE, [{ number: OptionNumber.BLOCK1, value: encodeBlock({ num: b1.num, more: true, szx }) }]);
      this.received = Buffer.concat(this.uploaded);
      return this.blockResponse(Code.CHANGED, 0, 6, [{ number: OptionNumber.BLOCK1, value: encodeBlock({ num: b1.num, more: false, szx: b1.szx }) }]);
    }
    const b2 = block(request, OptionNumber.BLOCK2);
    return this.blockResponse(Code.CONTENT, b2?.num ?? 0, Math.min(b2?.szx ?? 6, this.maxSzx));
  };

  private blockResponse(code: number, num: number, szx: number, extra: CoapOption[] = []): Message {
    const options: CoapOption[] = [{ number: OptionNumber.ETAG, value: this.etag }, ...extra];
    if (this.representation.length <= 2 ** (szx + 4) && num === 0) return reply(code, options, this.representation);
    const slice = sliceBlock(this.representation, num, szx);
    assert.ok(slice, `block ${num} exists`);
    options.push({ number: OptionNumber.BLOCK2, value: encodeBlock(slice.block) });
    if (num === 0) options.push({ number: OptionNumber.SIZE2, value: encodeUint(this.representation.length) });
    return reply(code, options, slice.payload);
  }
}

const get = (options: CoapOption[] = []): OutgoingRequest => ({ code: Code.GET, options: [{ number: OptionNumber.PROXY_URI, value: Buffer.from('coap://d/x') }, ...options] });

test('Block2, late negotiation: the client follows M=1 with the server\'s size and reassembles the body', async () => {
  const server = new Server(2700);
  const progress: TransferProgress[] = [];
  const r = await transfer(server.send, get(), { onProgress: (p) => progress.push(p) });
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.value.payload, server.representation);
  assert.equal(getOption(r.value, OptionNumber.BLOCK2), undefined, 'Block2 removed from the result');
  assert.deepEqual(getOption(r.value, OptionNumber.ETAG), server.etag);
  assert.deepEqual(server.requests.map((q) => block(q, OptionNumber.BLOCK2)), [undefined, { num: 1, more: false, szx: 6 }, { num: 2, more: false, szx: 6 }]);
  assert.ok(server.requests.every((q) => getOption(q.options ?? [], OptionNumber.PROXY_URI) !== undefined), 'same options on every block');
  assert.deepEqual(progress.map((p) => [p.bytes, p.totalBytes, p.blocks]), [[1024, 2700, 1], [2048, 2700, 2], [2700, 2700, 3]]);
});

test('Block2, early negotiation (§2.4): Block2 0/0/SZX first; a server answering smaller wins', async () => {
  const server = new Server(200, 1);
  const r = await transfer(server.send, get(), { blockSzx: 2 });
  assert.ok(r.ok);
  assert.deepEqual(r.value.payload, server.representation);
  assert.deepEqual(block(server.requests[0] ?? {}, OptionNumber.BLOCK2), { num: 0, more: false, szx: 2 });
  assert.deepEqual(server.requests.slice(1).map((q) => block(q, OptionNumber.BLOCK2)?.szx), [1, 1, 1, 1, 1, 1]);
  assert.equal(server.requests.length, 7, '200 bytes in 32-byte blocks');
});

test('a representation that changes mid-transfer (new ETag) is fetched again from block 0; endless change fails', async () => {
  const server = new Server(3000);
  server.onRequest = (_q, i) => {
    if (i === 1) {
      server.representation = body(3000, 5);
      server.etag = Buffer.from([2]);
    }
    return undefined;
  };
  const r = await transfer(server.send, get());
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.value.payload, body(3000, 5), 'never a mix of two versions');
  assert.deepEqual(server.requests.map((q) => block(q, OptionNumber.BLOCK2)?.num), [undefined, 1, 0, 1, 2]);

  const flapping = new Server(3000);
  flapping.onRequest = (_q, i) => {
    flapping.etag = Buffer.from([i + 10]);
    return undefined;
  };
  const f = await transfer(flapping.send, get());
  assert.deepEqual(f, { ok: false, error: 'the resource kept changing during the block-wise transfer' });
});

test('Block1 upload (§2.5): blocks in order with Size1 first, 2.31 between, the final response returned', async () => {
  const server = new Server(10);
  const payload = body(3000, 3);
  const progress: number[] = [];
  const r = await transfer(server.send, { code: Code.PUT, options: get().options ?? [], payload }, { onProgress: (p) => progress.push(p.bytes) });
  assert.ok(r.ok);
  assert.equal(r.value.code, Code.CHANGED);
  assert.deepEqual(server.received, payload);
  assert.deepEqual(server.requests.map((q) => block(q, OptionNumber.BLOCK1)), [
    { num: 0, more: true, szx: 6 }, { num: 1, more: true, szx: 6 }, { num: 2, more: false, szx: 6 },
  ]);
  assert.deepEqual(server.requests.map((q) => getUintOption(q.options ?? [], OptionNumber.SIZE1)), [3000, undefined, undefined]);
  assert.deepEqual(progress, [1024, 2048, 3000]);
  const small = new Server(10);
  const one = await transfer(small.send, { code: Code.PUT, options: [], payload: body(1024) });
  assert.ok(one.ok);
  assert.equal(block(small.requests[0] ?? {}, OptionNumber.BLOCK1), undefined, 'one block: no Block1 at all');
});

test('Block1: a smaller size preferred in 2.31 renumbers the next blocks; 4.13 with Block1 restarts smaller (§2.9.3)', async () => {
  const server = new Server(10, 6, 4);
  const payload = body(2000, 1);
  const r = await transfer(server.send, { code: Code.POST, options: [], payload });
  assert.ok(r.ok);
  assert.deepEqual(server.received, payload);
  assert.deepEqual(server.requests.map((q) => block(q, OptionNumber.BLOCK1)?.num), [0, 4, 5, 6, 7]);
  assert.deepEqual(server.requests.map((q) => block(q, OptionNumber.BLOCK1)?.szx), [6, 4, 4, 4, 4]);

  const picky = new Server(10);
  picky.onRequest = (q) => {
    const b = block(q, OptionNumber.BLOCK1);
    if (b !== undefined && b.szx > 5) return reply(Code.REQUEST_ENTITY_TOO_LARGE, [{ number: OptionNumber.BLOCK1, value: encodeBlock({ num: 0, more: false, szx: 5 }) }]);
    return undefined;
  };
  const p = await transfer(picky.send, { code: Code.PUT, options: [], payload: body(1500) });
  assert.ok(p.ok);
  assert.equal(p.value.code, Code.CHANGED);
  assert.deepEqual(picky.received, body(1500));
  assert.deepEqual(picky.requests.map((q) => block(q, OptionNumber.BLOCK1)?.szx), [6, 5, 5, 5]);
});

test('an error during an upload ends it and is returned as it is', async () => {
  const server = new Server(10);
  server.onRequest = (_q, i) => (i === 1 ? reply(Code.REQUEST_ENTITY_INCOMPLETE, [], Buffer.from('missing block')) : undefined);
  const r = await transfer(server.send, { code: Code.PUT, options: [], payload: body(4000) });
  assert.ok(r.ok);
  assert.equal(r.value.code, Code.REQUEST_ENTITY_INCOMPLETE);
  assert.equal(server.requests.length, 2);
});

test('Block1 + Block2 (§2.7): after the upload the response blocks are fetched with the same method, no payload', async () => {
  const server = new Server(2500);
  const r = await transfer(server.send, { code: Code.POST, type: MessageType.CON, options: get().options ?? [], payload: body(1500) });
  assert.ok(r.ok);
  assert.deepEqual(r.value.payload, server.representation);
  const follow = server.requests.slice(2);
  assert.deepEqual(follow.map((q) => [q.code, q.payload, block(q, OptionNumber.BLOCK1), block(q, OptionNumber.BLOCK2)?.num]), [
    [Code.POST, undefined, undefined, 1],
    [Code.POST, undefined, undefined, 2],
  ]);
});

test('broken servers give errors: wrong block, short block, malformed Block2, too large; 4.xx mid-transfer is returned', async () => {
  const cases: Array<[(q: OutgoingRequest, i: number, s: Server) => Message | undefined, RegExp | number]> = [
    [(_q, i, s) => (i === 1 ? reply(Code.CONTENT, [{ number: OptionNumber.ETAG, value: s.etag }, { number: OptionNumber.BLOCK2, value: encodeBlock({ num: 2, more: true, szx: 6 }) }], body(1024)) : undefined), /asked for the block at byte 1024, got the one at byte 2048/],
    [(_q, i, s) => (i === 1 ? reply(Code.CONTENT, [{ number: OptionNumber.ETAG, value: s.etag }, { number: OptionNumber.BLOCK2, value: encodeBlock({ num: 1, more: true, szx: 6 }) }], body(10)) : undefined), /block 1 has 10 bytes, not 1024/],
    [(_q, i) => (i === 1 ? reply(Code.CONTENT, [{ number: OptionNumber.BLOCK2, value: Buffer.from([0x1f]) }]) : undefined), /block 1: malformed Block2 option: block size exponent 7 is reserved/],
    [(_q, i, s) => (i === 1 ? reply(Code.CONTENT, [{ number: OptionNumber.ETAG, value: s.etag }]) : undefined), /has no Block2 option/],
    [(_q, i) => (i === 1 ? reply(Code.NOT_FOUND, []) : undefined), Code.NOT_FOUND],
  ];
  for (const [script, expected] of cases) {
    const server = new Server(3000);
    server.onRequest = (q, i) => script(q, i, server);
    const r = await transfer(server.send, get());
    if (typeof expected === 'number') {
      assert.ok(r.ok);
      assert.equal(r.value.code, expected);
    } else {
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.error, expected);
    }
  }
  const big = new Server(5000);
  const capped = await transfer(big.send, get(), { maxBodyBytes: 3000 });
  assert.deepEqual(capped, { ok: false, error: 'the response body exceeds 3000 bytes' });
  const first = new Server(3000);
  const notZero = await completeBlock2(first.send, get(), reply(Code.CONTENT, [{ number: OptionNumber.BLOCK2, value: encodeBlock({ num: 1, more: true, szx: 6 }) }]));
  assert.deepEqual(notZero, { ok: false, error: 'the first response is block 1, not block 0' });
});

test('completeBlock2 for a notification: follow-ups carry no Observe (RFC 7959 §2.6)', async () => {
  const server = new Server(1500);
  const first = await server.send(get([{ number: OptionNumber.OBSERVE, value: Buffer.alloc(0) }]));
  const r = await completeBlock2(server.send, get([{ number: OptionNumber.OBSERVE, value: Buffer.alloc(0) }]), first);
  assert.ok(r.ok);
  assert.deepEqual(r.value.payload, server.representation);
  assert.equal(getOption(server.requests[1]?.options ?? [], OptionNumber.OBSERVE), undefined);
  const plain = reply(Code.CONTENT, [], Buffer.from('x'));
  assert.deepEqual(await completeBlock2(server.send, get(), plain), { ok: true, value: plain });
});
