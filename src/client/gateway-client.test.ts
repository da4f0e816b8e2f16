// Scenario tests: the gateway client over the real engine on an in-memory network with a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Code, MessageType, OptionNumber, encodeBlock, getOption, getOptions, getUintOption, sliceBlock, type CoapOption, type Message,
} from '../coap/index.js';
import type { Endpoint, ServerExchange, ServerObserver, ObserverEndReason } from '../engine/index.js';
import { EngineWorld } from '../../test/support/engine-world.js';
import { assertNoLeaks } from '../../test/support/leak-check.js';
import { createGatewayClient, type ClientConnection } from './gateway-client.js';
import { parseTarget } from './target.js';
import type { RequestSpec } from './request-spec.js';

interface Stage {
  world: EngineWorld;
  server: Endpoint;
  client: Endpoint;
  connection: ClientConnection;
  seen: Message[];
}

function stage(handler: (exchange: ServerExchange, seen: Message[]) => void): Stage {
  const world = new EngineWorld(7);
  const server = world.endpoint({ host: '10.0.0.1', port: 5683 });
  const client = world.endpoint({ host: '10.0.0.2', port: 40000 });
  const seen: Message[] = [];
  server.serve((exchange) => {
    seen.push(exchange.request);
    handler(exchange, seen);
  }, { rejectUnknownCritical: false });
  const connection: ClientConnection = { endpoint: client, gateway: server.local, gatewayLabel: '10.0.0.1:5683', clock: world.clock, close: () => client.close() };
  return { world, server, client, connection, seen };
}

function spec(target: string, extra: Partial<RequestSpec> = {}): RequestSpec {
  const t = parseTarget(target);
  assert.ok(t.ok);
  return { method: Code.GET, target: t.value, payload: Buffer.alloc(0), nonConfirmable: false, ...extra };
}

const OPTS = { timeoutMs: 10_000 };

test('login POSTs the token as text to /sessions (?sticky=true when sticky); logout DELETEs it', async () => {
  const s = stage((x) => x.respond({ code: x.request.code === Code.POST ? Code.CREATED : Code.DELETED }));
  const gc = createGatewayClient(s.connection);
  assert.equal((await s.world.run(gc.login('eyJ.token.sig', true, OPTS))).code, Code.CREATED);
  assert.equal((await s.world.run(gc.login('t2', false, OPTS))).code, Code.CREATED);
  assert.equal((await s.world.run(gc.logout(OPTS))).code, Code.DELETED);
  const [sticky, plain, logout] = s.seen;
  assert.ok(sticky && plain && logout);
  assert.equal(sticky.code, Code.POST);
  assert.deepEqual(getOptions(sticky, OptionNumber.URI_PATH).map(String), ['sessions']);
  assert.deepEqual(getOptions(sticky, OptionNumber.URI_QUERY).map(String), ['sticky=true']);
  assert.equal(getUintOption(sticky, OptionNumber.CONTENT_FORMAT), 0, 'the guide: -t 0');
  assert.equal(sticky.payload.toString(), 'eyJ.token.sig');
  assert.deepEqual(getOptions(plain, OptionNumber.URI_QUERY), []);
  assert.equal(logout.code, Code.DELETE);
  assert.equal(logout.payload.length, 0);
  assert.equal(getOption(logout, OptionNumber.PROXY_URI), undefined, 'a local resource: no Proxy-Uri');
  await assertNoLeaks(s.world.clock, s.server, s.client);
});

test('a 4.01 with Echo is answered by repeating the request with that Echo once (RFC 9175 §2.4)', async () => {
  const echo = Buffer.from('a1b2c3d4', 'hex');
  const s = stage((x) => {
    const got = getOption(x.request, OptionNumber.ECHO);
    if (got !== undefined && got.equals(echo)) x.respond({ code: Code.CONTENT, payload: Buffer.from('help text') });
    else x.respond({ code: Code.UNAUTHORIZED, options: [{ number: OptionNumber.ECHO, value: echo }] });
  });
  const gc = createGatewayClient(s.connection);
  const r = await s.world.run(gc.request(spec('/help'), OPTS));
  assert.ok(r.ok);
  assert.equal(r.value.payload.toString(), 'help text');
  assert.equal(s.seen.length, 2);
  assert.deepEqual(getOption(s.seen[1] as Message, OptionNumber.ECHO), echo);

  const stubborn = stage((x) => x.respond({ code: Code.UNAUTHORIZED, options: [{ number: OptionNumber.ECHO, value: Buffer.from([s.seen.length]) }] }));
  const r2 = await stubborn.world.run(createGatewayClient(stubborn.connection).request(spec('/help'), OPTS));
  assert.ok(r2.ok);
  assert.equal(r2.value.code, Code.UNAUTHORIZED, 'gives up after one repeat');
  assert.equal(stubborn.seen.length, 2);
  await assertNoLeaks(s.world.clock, s.server, s.client);
  await assertNoLeaks(stubborn.world.clock, stubborn.server, stubborn.client);
});

test('a device request carries Proxy-Uri, follows Block2, and NON is sent as NON', async () => {
  const large = Buffer.alloc(2500, 0x41);
  const s = stage((x) => {
    const b2 = getOption(x.request, OptionNumber.BLOCK2);
    const num = b2 === undefined ? 0 : (b2[0] ?? 0) >> 4;
    const slice = sliceBlock(large, num, 6);
    assert.ok(slice);
    x.respond({ code: Code.CONTENT, options: [{ number: OptionNumber.BLOCK2, value: encodeBlock(slice.block) }], payload: slice.payload });
  });
  const gc = createGatewayClient(s.connection);
  const r = await s.world.run(gc.request(spec('SSN001350050005E7D6.starfish.test/large', { nonConfirmable: true }), OPTS));
  assert.ok(r.ok);
  assert.deepEqual(r.value.payload, large);
  assert.equal(s.seen.length, 3);
  assert.ok(s.seen.every((m) => m.type === MessageType.NON));
  assert.ok(s.seen.every((m) => getOption(m, OptionNumber.PROXY_URI)?.toString() === 'coap://ssn001350050005e7d6.starfish.test/large'));
  assert.equal(await s.world.run(gc.ping(OPTS)) >= 0, true);
  await assertNoLeaks(s.world.clock, s.server, s.client);
});

test('observe delivers notifications in order, completes Block2 ones, and cancel deregisters', async () => {
  let observer: ServerObserver | undefined;
  let ended: ObserverEndReason | undefined;
  const big = Buffer.alloc(1500, 0x62);
  const s = stage((x) => {
    if (x.observeRequested) {
      observer = x.observe((reason) => (ended = reason));
      x.respond({ code: Code.CONTENT, payload: Buffer.from('v1') });
      return;
    }
    const b2 = getOption(x.request, OptionNumber.BLOCK2);
    const slice = sliceBlock(big, b2 === undefined ? 0 : (b2[0] ?? 0) >> 4, 6);
    assert.ok(slice);
    x.respond({ code: Code.CONTENT, options: [{ number: OptionNumber.BLOCK2, value: encodeBlock(slice.block) }], payload: slice.payload });
  });
  const gc = createGatewayClient(s.connection);
  const got: string[] = [];
  const handle = gc.observe(spec('dev.test/obs'), { onNotification: (m) => got.push(`${m.payload.length}:${m.payload.subarray(0, 2).toString()}`) }, OPTS);
  const first = await s.world.run(handle.first);
  assert.equal(first.payload.toString(), 'v1');
  assert.ok(observer);
  observer.notify({ code: Code.CONTENT, payload: Buffer.from('v2') });
  await s.world.advance(100);
  const slice = sliceBlock(big, 0, 6);
  assert.ok(slice);
  const block0: CoapOption[] = [{ number: OptionNumber.BLOCK2, value: encodeBlock(slice.block) }];
  observer.notify({ code: Code.CONTENT, options: block0, payload: slice.payload });
  observer.notify({ code: Code.CONTENT, payload: Buffer.from('v4') });
  await s.world.advance(1000);
  assert.deepEqual(got, ['2:v1', '2:v2', '1500:bb', '2:v4']);
  const followUp = s.seen.find((m) => getOption(m, OptionNumber.BLOCK2) !== undefined);
  assert.ok(followUp, 'the rest of the big notification was fetched');
  assert.equal(getOption(followUp, OptionNumber.OBSERVE), undefined);
  await s.world.run(handle.cancel());
  assert.equal(ended, 'deregistered');
  await assertNoLeaks(s.world.clock, s.server, s.client);
});

test('no answer at all rejects with a timeout, for requests and for pings (within the deadline)', async () => {
  const s = stage(() => undefined);
  const gc = createGatewayClient(s.connection);
  await assert.rejects(s.world.run(gc.request(spec('dev.test/x'), { timeoutMs: 5_000 })), (e: Error & { kind?: string }) => e.kind === 'timeout');
  s.world.network.tap((d) => (d.to.port === 5683 ? 'drop' : undefined));
  const started = s.world.clock.now();
  await assert.rejects(s.world.run(gc.ping({ timeoutMs: 1_000 })), (e: Error & { kind?: string }) => e.kind === 'timeout');
  assert.equal(s.world.clock.now() - started, 1_000, 'the ping gives up at its deadline, not after MAX_TRANSMIT_WAIT');
  await assertNoLeaks(s.world.clock, s.client);
  await s.server.close();
});
