// Our client endpoint over real UDP on loopback against libcoap's coap-server-notls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, getOption, makeOptions, type Message } from '../../src/coap/index.js';
import { createEndpoint, type DatagramTransport, type Endpoint, type PeerAddress } from '../../src/engine/index.js';
import { bindUdp } from '../../src/transport/index.js';
import { startCoapServer, type RunningServer } from '../support/libcoap.js';

let libcoap: RunningServer;
let client: Endpoint;
let to: PeerAddress;
/** Datagrams our client received, counted below the engine. */
let received = 0;
const path = (...segments: string[]) => makeOptions(segments.map((s) => [OptionNumber.URI_PATH, s] as const));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  libcoap = await startCoapServer();
  const udp = await bindUdp({ host: '127.0.0.1', port: 0 });
  const counting: DatagramTransport = {
    local: udp.local,
    send: (d, t) => udp.send(d, t),
    onDatagram: (h) =>
      udp.onDatagram((d, f) => {
        received++;
        h(d, f);
      }),
    close: () => udp.close(),
  };
  client = createEndpoint({ transport: counting });
  to = { address: '127.0.0.1', port: libcoap.port };
});

after(async () => {
  await client.close();
  await libcoap.stop();
});

test('GET / from coap-server: piggybacked 2.05', async () => {
  const r = await client.request(to, { code: Code.GET }, { timeoutMs: 5000 });
  assert.equal(r.type, MessageType.ACK);
  assert.equal(r.code, Code.CONTENT);
  assert.match(r.payload.toString(), /libcoap/);
});

test('ping: coap-server answers the empty CON with RST', async () => {
  const rtt = await client.ping(to);
  assert.ok(rtt >= 0 && rtt < 1000);
});

test('/async?1: empty ACK, then a separate CON response that we ACK', async () => {
  const started = performance.now();
  const r = await client.request(to, { code: Code.GET, options: [...path('async'), { number: OptionNumber.URI_QUERY, value: Buffer.from('1') }] }, { timeoutMs: 10_000 });
  assert.equal(r.type, MessageType.CON);
  assert.equal(r.payload.toString(), 'done');
  assert.ok(performance.now() - started >= 900, 'it really was deferred');
  assert.equal(client.stats().clientExchanges, 0);
});

test('PUT then GET /example_data; a NON request gets a NON response', async () => {
  const put = await client.request(to, { code: Code.PUT, options: path('example_data'), payload: Buffer.from('from our client') }, { timeoutMs: 5000 });
  assert.equal(put.code >>> 5, 2);
  const get = await client.request(to, { type: MessageType.NON, code: Code.GET, options: path('example_data') }, { timeoutMs: 5000 });
  assert.equal(get.type, MessageType.NON);
  assert.equal(get.payload.toString(), 'from our client');
});

test('observe /time: ordered notifications every second, proactive cancel stops them', async () => {
  const got: Message[] = [];
  const ends: string[] = [];
  const o = client.observe(to, { options: path('time') }, { onNotification: (m) => got.push(m), onEnd: (r) => ends.push(r) }, { timeoutMs: 5000 });
  const first = await o.first;
  assert.notEqual(getOption(first, OptionNumber.OBSERVE), undefined);
  await sleep(2600);
  assert.ok(got.length >= 3, `notifications: ${got.length}`);
  const seq = got.map((m) => (getOption(m, OptionNumber.OBSERVE) as Buffer).readUIntBE(0, (getOption(m, OptionNumber.OBSERVE) as Buffer).length || 1));
  for (let i = 1; i < seq.length; i++) assert.ok((seq[i] as number) > (seq[i - 1] as number), `increasing: ${seq.join(',')}`);
  assert.ok(got.some((m) => m.type === MessageType.CON), 'libcoap sends CON notifications, which we ACK');
  await o.cancel();
  assert.deepEqual(ends, ['cancelled']);
  const count = got.length;
  await sleep(1500);
  assert.equal(got.length, count, 'nothing after the cancellation');
  assert.equal(client.stats().observations, 0);
});

test('reactive cancel: the next notification gets our RST and libcoap stops sending', async () => {
  const got: Message[] = [];
  const o = client.observe(to, { options: path('time') }, { onNotification: (m) => got.push(m) }, { timeoutMs: 5000 });
  await o.first;
  await o.cancel('reactive');
  // Within ~1 s one more notification arrives and gets our RST; libcoap then drops the observer.
  await sleep(1600);
  const snapshot = received;
  await sleep(2200);
  assert.equal(received, snapshot, 'no notification after the RST');
  assert.equal(got.length, 1, 'only the first response was delivered');
});
