// Engine memory guards (issue #8): observers and observations keep no received datagram, no exchange, and one
// client's dedup state stays bounded when it wraps the 16-bit message ID space (RFC 7252 §4.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { seededRandom } from '../../src/base/index.js';
import { Code, MessageType, OptionNumber, decode, encode, getUintOption, makeOptions, type Message } from '../../src/coap/index.js';
import { createEndpoint, type DatagramTransport, type Endpoint, type PeerAddress, type ServerExchange, type ServerObserver } from '../../src/engine/index.js';
import { FakeClock } from '../support/fake-clock.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Lets WeakRef targets of the current job go, then collects. */
async function collect(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  gc();
  gc();
}

/** A transport the test drives by hand: every received datagram in its own ArrayBuffer (as UDP gives it). */
class HandTransport implements DatagramTransport {
  readonly local: PeerAddress = { address: '10.0.0.1', port: 5683 };
  readonly sent: Buffer[] = [];
  private handler: (d: Buffer, from: PeerAddress) => void = () => undefined;
  send(data: Buffer): void {
    this.sent.push(Buffer.from(data));
  }
  onDatagram(h: (d: Buffer, from: PeerAddress) => void): void {
    this.handler = h;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  /** Delivers `m` in a fresh ArrayBuffer; returns a weak reference to that memory. */
  deliver(m: Message, from: PeerAddress): WeakRef<ArrayBuffer> {
    const bytes = encode(m);
    const own = Buffer.from(new ArrayBuffer(bytes.length));
    bytes.copy(own);
    this.handler(own, from);
    return new WeakRef(own.buffer);
  }
}

const CLIENT: PeerAddress = { address: '10.0.0.9', port: 40000 };

function server(): { transport: HandTransport; endpoint: Endpoint; clock: FakeClock } {
  const clock = new FakeClock();
  const transport = new HandTransport();
  return { transport, clock, endpoint: createEndpoint({ transport, clock, random: seededRandom(1) }) };
}

for (const keepRequest of [false, true]) {
  test(`an observer keeps neither its registration datagram nor its exchange once answered (keepRequest ${keepRequest})`, async () => {
    const { transport, endpoint, clock } = server();
    let observer: ServerObserver | undefined;
    let exchangeRef: WeakRef<ServerExchange> | undefined;
    endpoint.serve((ex) => {
      exchangeRef = new WeakRef(ex);
      observer = ex.observe({ observerEnded: () => undefined }, { keepRequest });
      ex.respond({ code: Code.CONTENT, payload: Buffer.from('v1') });
    });
    const token = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const options = makeOptions([[OptionNumber.OBSERVE, 0], [OptionNumber.URI_PATH, 'obs'], [65000, 'kept?']]);
    const datagram = transport.deliver({ type: MessageType.CON, code: Code.GET, messageId: 77, token, options, payload: Buffer.alloc(0) }, CLIENT);
    await collect();
    assert.equal(datagram.deref(), undefined, 'the registration datagram was let go');
    assert.equal(exchangeRef?.deref(), undefined, 'the exchange was let go');
    assert.ok(observer?.active);
    assert.deepEqual(observer.token, token);
    if (keepRequest) {
      assert.deepEqual(observer.request.options.map((o) => [o.number, [...o.value]]), options.map((o) => [o.number, [...o.value]]), 'the request, byte-exact');
    } else {
      assert.throws(() => observer?.request, /not kept/);
    }
    observer.notify({ code: Code.CONTENT, payload: Buffer.from('v2') });
    const note = decode(transport.sent.at(-1) as Buffer);
    assert.ok(note.ok);
    assert.deepEqual(note.value.token, token, 'notifications carry the token');
    assert.ok(getUintOption(note.value, OptionNumber.OBSERVE) !== undefined);
    // A duplicate of the registration still gets the very same piggybacked response (RFC 7252 §4.5).
    const first = transport.sent[0] as Buffer;
    transport.deliver({ type: MessageType.CON, code: Code.GET, messageId: 77, token, options, payload: Buffer.alloc(0) }, CLIENT);
    assert.deepEqual(transport.sent.at(-1), first);
    observer.end();
    await endpoint.close();
    assert.equal(clock.pendingTimers, 0);
  });
}

test('a client observation keeps neither the first response datagram nor its first promise; first still answers', async () => {
  const clock = new FakeClock();
  const transport = new HandTransport();
  const endpoint = createEndpoint({ transport, clock, random: seededRandom(2) });
  const got: number[] = [];
  const observation = endpoint.observe(CLIENT, { options: makeOptions([[OptionNumber.URI_PATH, 'obs']]) }, { onNotification: (m) => got.push(m.code) });
  const request = decode(transport.sent[0] as Buffer);
  assert.ok(request.ok);
  const response: Message = {
    type: MessageType.ACK,
    code: Code.CONTENT,
    messageId: request.value.messageId,
    token: request.value.token,
    options: makeOptions([[OptionNumber.OBSERVE, 5], [OptionNumber.MAX_AGE, 60]]),
    payload: Buffer.from('state'),
  };
  const datagram = transport.deliver(response, CLIENT);
  const first = await observation.first;
  assert.equal(first.code, Code.CONTENT);
  await collect();
  assert.equal(datagram.deref(), undefined, 'the first response datagram was let go');
  const again = await observation.first;
  assert.deepEqual(again.payload, Buffer.from('state'), 'a later read of first gives an equal message');
  assert.equal(getUintOption(again, OptionNumber.OBSERVE), 5);
  assert.deepEqual(got, [Code.CONTENT]);
  await observation.cancel('reactive');
  await endpoint.close();
});

test('one client wrapping its message IDs keeps a bounded dedup state: later wraps add (almost) no heap', async () => {
  const { transport, endpoint, clock } = server();
  endpoint.serve((ex) => ex.respond({ code: Code.CONTENT, payload: Buffer.from('hello') }));
  const limit = endpoint.stats().dedupEntries + 4096;
  let token = 0;
  const wrap = (from: PeerAddress): void => {
    for (let mid = 0; mid < 0x10000; mid++) {
      const t = Buffer.alloc(8);
      t.writeUInt32BE(++token, 4);
      transport.deliver({ type: MessageType.CON, code: Code.GET, messageId: mid, token: t, options: [], payload: Buffer.alloc(0) }, from);
      if (transport.sent.length > 1000) transport.sent.length = 0;
    }
  };
  const heap = async (): Promise<number> => {
    await collect();
    return process.memoryUsage().heapUsed;
  };
  // Another client first, so the code on this path is compiled before anything is measured.
  wrap({ address: '10.0.0.8', port: 40000 });
  const before = await heap();
  wrap(CLIENT);
  const afterFirst = await heap();
  assert.equal(endpoint.stats().dedupEntries, limit + 4096, 'each peer is at its dedup cap (4096)');
  // ~200 bytes per remembered message with its reply (issue #8; ~340 before).
  assert.ok(afterFirst - before < 4096 * 260, `one client's full dedup state is ${afterFirst - before} bytes`);
  wrap(CLIENT);
  wrap(CLIENT);
  const afterThird = await heap();
  assert.equal(endpoint.stats().dedupEntries, limit + 4096);
  assert.equal(endpoint.stats().peers, 2);
  // The state after one wrap is ~4096 compact entries (~1 MB before issue #8); two more wraps must not add to it.
  assert.ok(afterThird - afterFirst < 128 * 1024, `two more wraps grew the heap by ${afterThird - afterFirst} bytes`);
  clock.advance(endpoint.timing.exchangeLifetimeMs + 1);
  assert.equal(endpoint.stats().dedupEntries, 0, 'all expire after EXCHANGE_LIFETIME');
  await endpoint.close();
});
