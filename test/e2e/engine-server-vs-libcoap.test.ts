// Our server endpoint over real UDP on loopback, driven by libcoap's coap-client-notls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, uriPath, type Message } from '../../src/coap/index.js';
import { createEndpoint, type Endpoint, type ObserverEndReason } from '../../src/engine/index.js';
import { bindUdp } from '../../src/transport/index.js';
import { requireBinary, runCoapClient } from '../support/libcoap.js';

let server: Endpoint;
let base: string;
const seen: Message[] = [];
const observerEnds: ObserverEndReason[] = [];
const stored = new Map<string, Buffer>();

before(async () => {
  requireBinary('coap-client-notls');
  server = createEndpoint({ transport: await bindUdp({ host: '127.0.0.1', port: 0 }) });
  base = `coap://127.0.0.1:${server.local.port}`;
  server.serve((ex) => {
    const req = ex.request;
    seen.push(req);
    const path = uriPath(req);
    if (path === '/slow') {
      setTimeout(() => ex.respond({ code: Code.CONTENT, payload: Buffer.from('late answer') }), 1200);
      return;
    }
    if (path === '/obs') {
      const observer = ex.observe((r) => observerEnds.push(r));
      let n = 0;
      ex.respond({ code: Code.CONTENT, payload: Buffer.from(`n${n}`) });
      if (observer !== undefined) {
        const timer = setInterval(() => {
          if (!observer.active) {
            clearInterval(timer);
            return;
          }
          n++;
          // Every other one CON, so coap-client has to ACK notifications too.
          observer.notify({ code: Code.CONTENT, payload: Buffer.from(`n${n}`) }, { confirmable: n % 2 === 0 });
        }, 400);
      }
      return;
    }
    switch (req.code) {
      case Code.GET: {
        const body = stored.get(path);
        ex.respond(body === undefined ? { code: Code.NOT_FOUND } : { code: Code.CONTENT, payload: body });
        return;
      }
      case Code.PUT:
        stored.set(path, Buffer.from(req.payload));
        ex.respond({ code: Code.CHANGED });
        return;
      case Code.POST:
        ex.respond({ code: Code.CREATED, payload: Buffer.from(`posted ${req.payload.length} bytes`) });
        return;
      case Code.DELETE:
        stored.delete(path);
        ex.respond({ code: Code.DELETED });
        return;
      default:
        ex.respond({ code: Code.METHOD_NOT_ALLOWED });
    }
  });
});

after(async () => {
  await server.close();
});

test('coap-client GET, PUT, POST, DELETE against our server', async () => {
  const put = await runCoapClient(['-m', 'put', '-e', 'stored value', `${base}/thing`]);
  assert.equal(put.stderr, '');
  const get = await runCoapClient(['-m', 'get', `${base}/thing`]);
  assert.equal(get.stdout.trim(), 'stored value');
  const post = await runCoapClient(['-m', 'post', '-e', 'abc', `${base}/thing`]);
  assert.equal(post.stdout.trim(), 'posted 3 bytes');
  const del = await runCoapClient(['-m', 'delete', `${base}/thing`]);
  assert.equal(del.stderr, '');
  const missing = await runCoapClient(['-m', 'get', `${base}/thing`]);
  assert.match(missing.stderr, /4\.04/);
});

test('coap-client -v 6: piggybacked ACK with the request MID and token', async () => {
  await runCoapClient(['-m', 'put', '-e', 'x', `${base}/v`]);
  const r = await runCoapClient(['-v', '6', '-T', 'cafe', `${base}/v`]);
  const sent = /t:CON c:GET i:([0-9a-f]+) \{([0-9a-f]+)\}/.exec(r.stdout);
  const got = /t:ACK c:2\.05 i:([0-9a-f]+) \{([0-9a-f]+)\}/.exec(r.stdout);
  assert.ok(sent !== null && got !== null, r.stdout);
  assert.equal(got[1], sent[1], 'same message ID');
  assert.equal(got[2], sent[2], 'the token coap-client sent (for -T cafe) is echoed');
  assert.equal(got[2]?.length, 8);
});

test('coap-client -N: NON request, NON response', async () => {
  await runCoapClient(['-m', 'put', '-e', 'non', `${base}/n`]);
  const before = seen.length;
  const r = await runCoapClient(['-N', '-v', '6', `${base}/n`]);
  assert.match(r.stdout, /t:NON c:2\.05 .*'non'/);
  assert.equal(seen[before]?.type, MessageType.NON);
});

test('separate response: empty ACK first, then a CON response that coap-client ACKs', async () => {
  const r = await runCoapClient(['-v', '6', `${base}/slow`]);
  assert.match(r.stdout, /t:CON c:2\.05 .*'late answer'/);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(server.stats().transmissions, 0, 'coap-client ACKed the separate response');
});

test('coap-client -s observes: several notifications, then its deregistration removes our observer', async () => {
  const r = await runCoapClient(['-s', '3', `${base}/obs`]);
  const values = [...r.stdout.matchAll(/n(\d+)/g)].map((m) => Number(m[1]));
  assert.ok(values.length >= 4, `got ${r.stdout}`);
  for (let i = 1; i < values.length; i++) assert.equal(values[i], (values[i - 1] as number) + 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(observerEnds.length >= 1, 'the observer ended');
  assert.ok(['deregistered', 'reset'].includes(observerEnds.at(-1) as string), String(observerEnds));
  assert.equal(server.stats().observers, 0);
});
