// e2e (issue #5): a dead DNS server and a dead device degrade to clear 5.02 / 5.04 in bounded time, and the gateway recovers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { startGateway, startSimulator, type RunningGateway, type RunningSimulator } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { parseAccounts, startTokenService, type RunningTokenService } from '../../src/token-service/index.js';
import { Code, OptionNumber, makeOptions, type Message } from '../../src/coap/index.js';
import { createEndpoint, type Endpoint } from '../../src/engine/index.js';
import { bindUdp } from '../../src/transport/index.js';
import { cryptoRandom, systemClock } from '../../src/base/index.js';
import type { Logger } from '../../src/telemetry/index.js';

const DOMAIN = 'deps.test';
const FIRST_INDEX = 254 * 182;
/** A device name whose address nobody answers on: a blackhole socket counts what reaches it. */
const DEAD = `SSN00000000DEAD0182.${DOMAIN}`;
const DEAD_ADDRESS = '127.1.182.250';

let sim: RunningSimulator;
let tokens: RunningTokenService;
let token: string;

before(async () => {
  sim = await startSimulator({ devices: 3, domain: DOMAIN, dnsPort: 0, firstAddressIndex: FIRST_INDEX, logLevel: 'silent' });
  assert.ok(sim.zone.add(DEAD, DEAD_ADDRESS).ok);
  const accounts = parseAccounts({ accounts: [{ clientId: 'alice', secret: 'plain:a', permissions: [{ devices: ['*'], methods: ['all'] }] }] });
  assert.ok(accounts.ok);
  tokens = await startTokenService({ accounts: accounts.value, issuer: 'urn:test:deps' });
  const issued = await tokens.issueToken('alice');
  assert.ok(issued.ok);
  token = issued.value.accessToken;
});

after(async () => {
  await tokens?.close();
  await sim?.close();
});

interface LogLine {
  readonly level: string;
  readonly msg: string;
}

function collectingLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg: msg ?? '' });
  return { debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error') };
}

async function gatewayWith(extra: Record<string, unknown>, lines: LogLine[]): Promise<RunningGateway> {
  const config = parseConfig({
    listen: [{ host: '127.0.0.1', port: 0 }],
    sessions: { store: 'memory' },
    auth: { jwksUrl: tokens.jwksUrl, issuer: 'urn:test:deps' },
    ...extra,
    resolver: { domains: [{ name: DOMAIN, dnsServers: [sim.dns.endpoint] }], ...(extra['resolver'] as object | undefined) },
  });
  assert.ok(config.ok, JSON.stringify(config));
  return startGateway(config.value, { logger: collectingLogger(lines) });
}

async function client(): Promise<Endpoint> {
  return createEndpoint({ transport: await bindUdp({ host: '127.0.0.1', port: 0 }), clock: systemClock, random: cryptoRandom });
}

async function login(c: Endpoint, gw: RunningGateway): Promise<void> {
  const r = await c.request({ address: '127.0.0.1', port: gw.port }, { code: Code.POST, options: makeOptions([[OptionNumber.URI_PATH, 'sessions']]), payload: Buffer.from(token) }, { timeoutMs: 10_000 });
  assert.equal(r.code, Code.CREATED, r.payload.toString());
}

function get(c: Endpoint, gw: RunningGateway, host: string, path = '/time'): Promise<Message> {
  return c.request({ address: '127.0.0.1', port: gw.port }, { code: Code.GET, options: makeOptions([[OptionNumber.PROXY_URI, `coap://${host}${path}`]]) }, { timeoutMs: 30_000 });
}

const name = (i: number): string => sim.fleet.devices[i]?.identity.name ?? '';

test('dead DNS: 5.02 with a diagnostic within the resolver deadline, cached names keep working, recovery after the negative TTL', async () => {
  const lines: LogLine[] = [];
  // c-ares: 200 ms per try, 2 tries: the resolver gives up after 200 * (2^2 - 1) + 200 = 800 ms.
  const gw = await gatewayWith({ resolver: { queryTimeoutMs: 200, negativeTtlSec: 1 } }, lines);
  const c = await client();
  try {
    await login(c, gw);
    assert.equal((await get(c, gw, name(0))).code, Code.CONTENT, 'device 0 resolved and cached');
    sim.dns.setFault('silent');
    let started = Date.now();
    const dead = await get(c, gw, name(1));
    const tookMs = Date.now() - started;
    assert.equal(dead.code, Code.BAD_GATEWAY, dead.payload.toString());
    assert.match(dead.payload.toString(), /DNS: no answer from/);
    assert.ok(tookMs < 2500, `5.02 after ${tookMs} ms (deadline 800 ms)`);
    // a second request for the name in the outage is answered from the negative cache, at once
    started = Date.now();
    assert.equal((await get(c, gw, name(1))).code, Code.BAD_GATEWAY);
    assert.ok(Date.now() - started < 500, 'the failure is cached briefly');
    assert.equal((await get(c, gw, name(0))).code, Code.CONTENT, 'a cached name keeps working without DNS');
    sim.dns.setFault('none');
    await new Promise((r) => setTimeout(r, 1200));
    const back = await get(c, gw, name(1));
    assert.equal(back.code, Code.CONTENT, `after the negative TTL: ${back.payload.toString()}`);
    assert.deepEqual(gw.gateways[0]?.stats(), { inFlight: 0, deviceQueues: 0, waiting: 0, observations: 0, subscribers: 0, coalescing: 0 });
    assert.deepEqual(lines.filter((l) => l.level === 'error'), []);
  } finally {
    sim.dns.setFault('none');
    await c.close();
    await gw.close();
  }
});

test('dead device: every request gets 5.04 at its deadline, the device queue drains, nothing more is sent to it (R17, R48)', async () => {
  const blackhole: Socket = createSocket('udp4');
  let datagrams = 0;
  blackhole.on('message', () => datagrams++);
  await new Promise<void>((done) => blackhole.bind(5683, DEAD_ADDRESS, () => done()));
  const lines: LogLine[] = [];
  const gw = await gatewayWith({ forwarding: { upstreamDeadlineMs: '2s', deviceQueueLimit: 4 }, upstream: { ackTimeoutMs: '1s' } }, lines);
  const clients = await Promise.all([client(), client(), client(), client(), client(), client(), client()]);
  try {
    for (const c of clients) await login(c, gw);
    const started = Date.now();
    // NSTART 1: one request goes out, four wait in the queue, the rest find it full (5.03 with Max-Age)
    const answers = await Promise.all(clients.map((c, i) => get(c, gw, DEAD, `/time?n=${i}`).then((m) => ({ m, ms: Date.now() - started }))));
    const codes = answers.map((a) => a.m.code).sort();
    assert.deepEqual(codes.filter((c) => c === Code.GATEWAY_TIMEOUT).length, 5, JSON.stringify(answers.map((a) => [a.m.code, a.m.payload.toString()])));
    assert.deepEqual(codes.filter((c) => c === Code.SERVICE_UNAVAILABLE).length, 2);
    for (const { m, ms } of answers) {
      if (m.code === Code.GATEWAY_TIMEOUT) assert.ok(ms >= 1800 && ms < 5000, `5.04 after ${ms} ms (deadline 2 s)`);
      else assert.ok(ms < 1000, `a full queue answers at once, not after ${ms} ms`);
    }
    assert.deepEqual(gw.gateways[0]?.stats(), { inFlight: 0, deviceQueues: 0, waiting: 0, observations: 0, subscribers: 0, coalescing: 0 }, 'the per-device queue drained');
    const sentAtDeadline = datagrams;
    assert.ok(sentAtDeadline >= 1 && sentAtDeadline <= 3, `${sentAtDeadline} datagrams reached the dead device (one request, retransmitted)`);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(datagrams, sentAtDeadline, 'no retransmissions once the clients got their 5.04');
    // a live device is served meanwhile and after
    assert.equal((await get(clients[0] as Endpoint, gw, name(2))).code, Code.CONTENT);
    assert.deepEqual(lines.filter((l) => l.level === 'error'), []);
  } finally {
    for (const c of clients) await c.close();
    await gw.close();
    await new Promise<void>((done) => blackhole.close(() => done()));
  }
});
