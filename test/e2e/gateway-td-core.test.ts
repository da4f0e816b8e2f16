// e2e: ETSI TD_COAP_CORE_01-31 through the gateway: coap-client-notls -> client-leg tap -> gateway -> plugtest device (device-leg tap).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Code, MessageType, OptionNumber, encode, getOption, getOptions, getUintOption, makeOptions, type Message } from '../../src/coap/index.js';
import { rawClient } from './gateway-harness.js';
import { TdWorld, parseLog, sleep, waitFor, type LoggedMessage } from './gateway-td-harness.js';
import type { RelayEntry } from './gateway-td-relay.js';

let w: TdWorld;

before(async () => {
  // Devices in their own loopback block (127.1.101.x).
  // Three devices: concurrent slow requests to one device would wait for each other (NSTART 1).
  w = await TdWorld.start({ firstAddressIndex: 254 * 101, devices: 3 });
});

after(async () => {
  await w?.close();
});

interface Seen {
  readonly port: number;
  /** What coap-client printed (-v 6): its requests and the responses it accepted. */
  readonly log: LoggedMessage[];
  readonly stderr: string;
  /** The client leg (relay) during the request, both directions. */
  readonly leg: RelayEntry[];
  /** Requests for this path and query that reached the device (concurrent runs use distinct queries). */
  readonly device: Message[];
}

/** One coap-client run through the gateway from a fresh session (or `port`), with both legs recorded. */
async function through(args: readonly string[], path: string, port?: number, device = 0): Promise<Seen> {
  const p = port ?? (await w.session());
  const relayMark = w.relay.log.length;
  const tapMark = w.tap.mark();
  const r = await w.via(p, args, path, device);
  return {
    port: p,
    log: parseLog(r.stdout),
    stderr: r.stderr,
    leg: w.relay.log.slice(relayMark).filter((e) => e.client === `127.0.0.1:${p}`),
    device: w.tap.requests(w.device(device), tapMark).filter((m) => sameTarget(m, path)),
  };
}

function sameTarget(m: Message, target: string): boolean {
  const [p = '', q] = target.split('?');
  const wanted = q === undefined ? [] : q.split('&');
  return `/${getOptions(m, OptionNumber.URI_PATH).map(String).join('/')}` === p && getOptions(m, OptionNumber.URI_QUERY).map(String).join('&') === wanted.join('&');
}

function sentRequest(s: Seen): LoggedMessage {
  const m = s.log.find((x) => /^\d\.\d\d$/.test(x.code) === false);
  assert.ok(m, `no request printed: ${s.log.map((x) => x.line).join('\n')}`);
  return m;
}

function response(s: Seen): LoggedMessage {
  const m = s.log.find((x) => /^[245]\.\d\d$/.test(x.code));
  assert.ok(m, `no response printed: ${s.log.map((x) => x.line).join('\n')} ${s.stderr}`);
  return m;
}

const path = (m: Message): string => getOptions(m, OptionNumber.URI_PATH).map((v) => v.toString()).join('/');
const queries = (m: Message): string[] => getOptions(m, OptionNumber.URI_QUERY).map((v) => v.toString());
const down = (s: Seen, type: number, code?: number): RelayEntry[] => s.leg.filter((e) => e.dir === 'down' && e.message.type === type && (code === undefined || e.message.code === code));
const up = (s: Seen, type: number, code?: number): RelayEntry[] => s.leg.filter((e) => e.dir === 'up' && e.message.type === type && (code === undefined || e.message.code === code));

test('TD_COAP_CORE_01: GET CON: piggybacked 2.05 with the request MID and token, Content-Format, payload; device got a CON GET', async () => {
  const s = await through(['-m', 'get'], '/test?td=01');
  const req = sentRequest(s);
  const res = response(s);
  assert.equal(req.type, 'CON');
  assert.deepEqual([res.type, res.code, res.mid, res.token], ['ACK', '2.05', req.mid, req.token]);
  assert.match(res.options, /Content-Format:text\/plain/);
  assert.ok(res.payload.length > 0);
  assert.equal(s.device.length, 1);
  assert.deepEqual([s.device[0]?.type, s.device[0]?.code, path(s.device[0] as Message)], [MessageType.CON, Code.GET, 'test']);
});

test('TD_COAP_CORE_02/03/04: DELETE, PUT, POST with CON: 2.02, 2.04, 2.01; the device got payload and Content-Format', async () => {
  const port = await w.session();
  const del = await through(['-m', 'delete'], '/test', port);
  assert.deepEqual([response(del).type, response(del).code, response(del).mid], ['ACK', '2.02', sentRequest(del).mid]);
  assert.deepEqual([del.device[0]?.type, del.device[0]?.code], [MessageType.CON, Code.DELETE]);
  const put = await through(['-m', 'put', '-t', '0', '-e', 'core-03'], '/test', port);
  assert.deepEqual([response(put).type, response(put).code], ['ACK', '2.04']);
  assert.equal(put.device[0]?.code, Code.PUT);
  assert.equal(put.device[0]?.payload.toString(), 'core-03');
  assert.equal(getUintOption(put.device[0] as Message, OptionNumber.CONTENT_FORMAT), 0);
  const post = await through(['-m', 'post', '-t', '0', '-e', 'core-04'], '/test', port);
  assert.deepEqual([response(post).type, response(post).code], ['ACK', '2.01']);
  assert.equal(post.device[0]?.payload.toString(), 'core-04');
  const get = await through(['-m', 'get'], '/test?td=03', port);
  assert.equal(response(get).payload, 'core-03', 'the PUT body reached the device');
});

test('TD_COAP_CORE_05-08: GET, DELETE, PUT, POST with NON: NON responses with the token and a new MID, no ACK; NON upstream', async () => {
  const port = await w.session();
  for (const [args, code] of [
    [['-m', 'get'], '2.05'],
    [['-m', 'delete'], '2.02'],
    [['-m', 'put', '-t', '0', '-e', 'non'], '2.04'],
    [['-m', 'post', '-t', '0', '-e', 'non'], '2.01'],
  ] as const) {
    const s = await through(['-N', ...args], '/test?td=05', port);
    const req = sentRequest(s);
    const res = response(s);
    assert.equal(req.type, 'NON');
    assert.deepEqual([res.type, res.code, res.token], ['NON', code, req.token], args.join(' '));
    assert.notEqual(res.mid, req.mid, 'a response of its own, not an ACK');
    assert.equal(down(s, MessageType.ACK).length, 0, 'a NON request is never acknowledged');
    assert.equal(s.device.length, 1);
    assert.equal(s.device[0]?.type, MessageType.NON, 'the device leg keeps the type');
  }
});

test('TD_COAP_CORE_09/11: separate response: empty ACK with the request MID, CON 2.05 with the token, the client ACKs it', async () => {
  for (const token of [undefined, 'abcd']) {
    const s = await through(['-m', 'get', ...(token === undefined ? [] : ['-T', token])], `/separate?td=09${token ?? ''}`);
    const req = sentRequest(s);
    const ack = down(s, MessageType.ACK);
    assert.equal(ack.length, 1);
    assert.deepEqual([ack[0]?.message.code, ack[0]?.message.messageId, ack[0]?.message.token.length], [0, req.mid, 0], 'an empty ACK');
    const con = down(s, MessageType.CON, Code.CONTENT);
    assert.equal(con.length, 1);
    assert.equal(con[0]?.message.token.toString('hex'), req.token);
    if (token !== undefined) assert.match(req.token, /^616263/, 'the -T token (cc counts its last byte up)');
    assert.equal(con[0]?.message.payload.toString(), 'separate response');
    await waitFor(() => w.relay.entries(s.port, 'up').some((e) => e.message.type === MessageType.ACK && e.message.messageId === con[0]?.message.messageId), 2000, "the client's ACK");
    assert.equal(s.device.length, 1);
  }
});

test('TD_COAP_CORE_10: a non-empty token comes back identical', async () => {
  const s = await through(['-m', 'get', '-T', 'tok10'], '/test?td=10');
  assert.equal(response(s).token, sentRequest(s).token);
  assert.equal(Buffer.from(sentRequest(s).token, 'hex').length, 5);
});

test('TD_COAP_CORE_12: an empty token (raw client) gets a response with a zero-length token', async () => {
  const raw = await rawClient();
  try {
    const send = (m: Message): void => raw.send(encode(m), w.gateway.port);
    const token = readFileSync(w.tokenFile);
    send({ type: MessageType.CON, code: Code.POST, messageId: 0x1201, token: Buffer.from([7]), options: makeOptions([[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.CONTENT_FORMAT, 0]]), payload: token });
    await waitFor(() => raw.received.length > 0, 5000, 'the login');
    assert.equal(raw.received.shift()?.code, Code.CREATED);
    const mark = w.tap.mark();
    send({ type: MessageType.CON, code: Code.GET, messageId: 0x1202, token: Buffer.alloc(0), options: makeOptions([[OptionNumber.PROXY_URI, w.uri('/test?td=12')]]), payload: Buffer.alloc(0) });
    await waitFor(() => raw.received.length > 0, 5000, 'the response');
    const r = raw.received.shift();
    assert.deepEqual([r?.type, r?.code, r?.messageId, r?.token.length], [MessageType.ACK, Code.CONTENT, 0x1202, 0]);
    const upstream = w.tap.requests(w.device(), mark);
    assert.equal(upstream.length, 1);
    assert.ok((upstream[0]?.token.length ?? 0) > 0, "the device leg uses the gateway's own token");
  } finally {
    await raw.close();
  }
});

test('TD_COAP_CORE_13/14: several Uri-Path and Uri-Query options reach the device one by one', async () => {
  const port = await w.session();
  const seg = await through(['-m', 'get'], '/seg1/seg2/seg3', port);
  assert.equal(response(seg).code, '2.05');
  assert.deepEqual(getOptions(seg.device[0] as Message, OptionNumber.URI_PATH).map(String), ['seg1', 'seg2', 'seg3']);
  const q = await through(['-m', 'get'], '/query?first=1&second=2&third=3', port);
  assert.equal(response(q).code, '2.05');
  assert.deepEqual(queries(q.device[0] as Message), ['first=1', 'second=2', 'third=3']);
});

test('TD_COAP_CORE_15: lossy piggybacked: a lost request or a lost response is retransmitted; the device gets it once', async () => {
  const [lostRequest, lostResponse] = [await w.session(), await w.session()];
  let dropped = false;
  w.relay.dropFor(lostResponse, (dir, m) => {
    if (dir !== 'down' || m.code !== Code.CONTENT || dropped) return false;
    return (dropped = true);
  });
  const [a, b] = await Promise.all([through(['-m', 'get', '-l', '1'], '/test?td=15a', lostRequest), through(['-m', 'get'], '/test?td=15b', lostResponse, 1)]);
  for (const s of [a, b]) {
    assert.equal(response(s).code, '2.05');
    assert.equal(response(s).mid, sentRequest(s).mid);
    assert.equal(s.device.length, 1, 'forwarded once');
  }
  const mid = sentRequest(b).mid;
  assert.equal(up(b, MessageType.CON, Code.GET).filter((e) => e.message.messageId === mid).length, 2, 'the client retransmitted');
  const answers = down(b, MessageType.ACK, Code.CONTENT);
  assert.equal(answers.length, 2, 'the duplicate was answered again');
  assert.deepEqual([answers[0]?.dropped, answers[1]?.dropped], [true, false]);
  assert.deepEqual(answers[1]?.message.payload, answers[0]?.message.payload);
});

test('TD_COAP_CORE_16: lossy separate: lost empty ACK, lost CON response, lost client ACK', async () => {
  const [lostAck, lostResponse, lostClientAck] = [await w.session(), await w.session(), await w.session()];
  let ackDropped = false;
  w.relay.dropFor(lostAck, (dir, m) => {
    if (dir !== 'down' || m.type !== MessageType.ACK || m.code !== 0 || ackDropped) return false;
    return (ackDropped = true);
  });
  let responseDropped = false;
  w.relay.dropFor(lostResponse, (dir, m) => {
    if (dir !== 'down' || m.type !== MessageType.CON || responseDropped) return false;
    return (responseDropped = true);
  });
  const [a, b, c] = await Promise.all([
    // slow enough that the client retransmits before the answer comes
    through(['-m', 'get'], '/slow?delay=4&td=16a', lostAck),
    through(['-m', 'get'], '/separate?td=16b', lostResponse, 1),
    through(['-m', 'get', '-l', '2'], '/separate?td=16c', lostClientAck, 2),
  ]);
  for (const s of [a, b, c]) {
    assert.equal(response(s).code, '2.05');
    assert.equal(s.device.length, 1, 'never forwarded twice');
  }
  // a: the client's retransmission got an empty ACK again
  const midA = sentRequest(a).mid;
  assert.ok(up(a, MessageType.CON).filter((e) => e.message.messageId === midA).length >= 2, 'the client retransmitted');
  assert.ok(down(a, MessageType.ACK, 0).filter((e) => !e.dropped && e.message.messageId === midA).length >= 1, 're-ACKed');
  // b, c: the gateway retransmits its CON response until it is acknowledged
  for (const s of [b, c]) {
    await waitFor(() => w.relay.entries(s.port, 'down').filter((e) => e.message.type === MessageType.CON).length >= 2, 8000, 'the retransmission');
    const cons = w.relay.entries(s.port, 'down').filter((e) => e.message.type === MessageType.CON);
    assert.equal(cons[1]?.message.messageId, cons[0]?.message.messageId, 'the same message again');
    assert.ok((cons[1]?.at ?? 0) - (cons[0]?.at ?? 0) >= 1500, 'after ACK_TIMEOUT');
  }
});

test('TD_COAP_CORE_17: separate NON: no ACK, the answer comes later as NON', async () => {
  const s = await through(['-N', '-m', 'get'], '/separate?td=17');
  const req = sentRequest(s);
  assert.equal(down(s, MessageType.ACK).length, 0);
  assert.deepEqual([response(s).type, response(s).code, response(s).token], ['NON', '2.05', req.token]);
  assert.equal(s.device[0]?.type, MessageType.NON);
});

test('TD_COAP_CORE_18/19/24/25: POST answers with Location-Path / Location-Query relayed unchanged; the device got a CON POST', async () => {
  const port = await w.session();
  const p = await through(['-m', 'post', '-t', '0', '-e', 'core-18'], '/test', port);
  assert.equal(response(p).code, '2.01');
  assert.match(response(p).options, /Location-Path:location1, Location-Path:location2, Location-Path:location3/);
  assert.deepEqual([p.device[0]?.type, p.device[0]?.code, p.device[0]?.payload.toString()], [MessageType.CON, Code.POST, 'core-18']);
  assert.equal(getUintOption(p.device[0] as Message, OptionNumber.CONTENT_FORMAT), 0);
  const q = await through(['-m', 'post', '-t', '0', '-e', 'core-19'], '/location-query', port);
  assert.equal(response(q).code, '2.01');
  assert.match(response(q).options, /Location-Query:first=1, Location-Query:second=2/);
});

test('TD_COAP_CORE_20/26: Accept 0 then 41 both reach the device (no cache mix-up) and select the Content-Format', async () => {
  const port = await w.session();
  const text = await through(['-m', 'get', '-A', '0'], '/multi-format', port);
  assert.match(response(text).options, /Content-Format:text\/plain/);
  const xml = await through(['-m', 'get', '-A', '41'], '/multi-format', port);
  assert.match(response(xml).options, /Content-Format:application\/xml/);
  assert.match(response(xml).payload, /^<multi-format>/);
  assert.deepEqual([getUintOption(text.device[0] as Message, OptionNumber.ACCEPT), getUintOption(xml.device[0] as Message, OptionNumber.ACCEPT)], [0, 41]);
});

const etagOf = (m: LoggedMessage): string => /ETag:0x([0-9a-f]+)/i.exec(m.options)?.[1] ?? '';

test('TD_COAP_CORE_21: ETag validation: 2.05 + ETag, 2.03 with an empty body, after a change 2.05 with a new ETag', async () => {
  const port = await w.session();
  const first = response(await through(['-m', 'get'], '/validate', port));
  const etag = etagOf(first);
  assert.ok(etag, first.line);
  const valid = response(await through(['-m', 'get', '-O', `4,0x${etag}`], '/validate', port));
  assert.deepEqual([valid.code, etagOf(valid), valid.payload], ['2.03', etag, '']);
  const other = await w.session();
  assert.equal(response(await through(['-m', 'put', '-t', '0', '-e', 'validate v21'], '/validate', other)).code, '2.04');
  const changed = response(await through(['-m', 'get', '-O', `4,0x${etag}`], '/validate', port));
  assert.equal(changed.code, '2.05');
  assert.notEqual(etagOf(changed), etag);
  assert.equal(changed.payload, 'validate v21');
});

test('TD_COAP_CORE_22/27: If-Match: 2.04 with a new ETag relayed; after a concurrent update the old ETag gets 4.12', async () => {
  const port = await w.session();
  const etag = etagOf(response(await through(['-m', 'get'], '/validate', port)));
  const put = await through(['-m', 'put', '-t', '0', '-e', 'v22', '-O', `1,0x${etag}`], '/validate', port);
  assert.equal(response(put).code, '2.04');
  const newEtag = etagOf(response(put));
  assert.ok(newEtag && newEtag !== etag, response(put).line);
  assert.equal(getOption(put.device[0] as Message, OptionNumber.IF_MATCH)?.toString('hex'), etag);
  const other = await w.session();
  assert.equal(response(await through(['-m', 'put', '-t', '0', '-e', 'concurrent'], '/validate', other)).code, '2.04');
  const late = await through(['-m', 'put', '-t', '0', '-e', 'v22 again', '-O', `1,0x${newEtag}`], '/validate', port);
  assert.match(late.stderr, /4\.12/);
  assert.equal(late.device.length, 1, 'the device decided');
});

test('TD_COAP_CORE_23/28: If-None-Match: 2.01, then 4.12 relayed', async () => {
  const port = await w.session();
  const first = await through(['-m', 'put', '-t', '0', '-e', 'created', '-O', '5,'], '/create1', port);
  assert.equal(response(first).code, '2.01');
  assert.ok(first.device[0] && getOption(first.device[0], OptionNumber.IF_NONE_MATCH) !== undefined, 'If-None-Match forwarded');
  const again = await through(['-m', 'put', '-t', '0', '-e', 'again', '-O', '5,'], '/create1', port);
  assert.match(again.stderr, /4\.12/);
  assert.equal(again.device.length, 1);
});

test('TD_COAP_CORE_29: Max-Age caching: the second GET is not forwarded and carries the remaining Max-Age and the cached body', async () => {
  const port = await w.session();
  assert.equal(response(await through(['-m', 'put', '-t', '0', '-e', 'cached body'], '/validate', port)).code, '2.04');
  const first = await through(['-m', 'get'], '/validate', port);
  assert.equal(first.device.length, 1);
  assert.match(response(first).options, /Max-Age:30/);
  await sleep(1200);
  const second = await through(['-m', 'get'], '/validate', port);
  assert.equal(second.device.length, 0, 'served from the cache');
  const maxAge = Number(/Max-Age:(\d+)/.exec(response(second).options)?.[1]);
  assert.ok(maxAge >= 25 && maxAge < 30, `Max-Age ${maxAge}`);
  assert.equal(response(second).payload, 'cached body');
  assert.equal(etagOf(response(second)), etagOf(response(first)));
});

test('TD_COAP_CORE_31: CoAP ping: a 4-byte RST with the same MID from the gateway, nothing reaches the device', async () => {
  const mark = w.tap.mark();
  const raw = await rawClient();
  try {
    raw.send(Buffer.from([0x40, 0x00, 0x31, 0x31]), w.gateway.port);
    await waitFor(() => raw.received.length > 0, 3000, 'the RST');
    assert.deepEqual([raw.received[0]?.type, raw.received[0]?.code, raw.received[0]?.messageId], [MessageType.RST, 0, 0x3131]);
  } finally {
    await raw.close();
  }
  // coap-client's keep-alive ping (-K 1) while it waits for a slow answer
  const s = await through(['-m', 'get', '-K', '1'], '/slow?delay=3&td=31');
  assert.equal(response(s).code, '2.05');
  const pings = up(s, MessageType.CON, 0);
  assert.ok(pings.length >= 1, 'coap-client pinged');
  for (const p of pings) assert.ok(down(s, MessageType.RST).some((r) => r.message.messageId === p.message.messageId), 'RST with the ping MID');
  assert.equal(w.tap.received(w.device(), mark).filter((m) => m.code === 0 && m.type === MessageType.CON).length, 0, 'no ping forwarded');
});
