// e2e: the real `coap-gateway` client commands over UDP loopback against a scripted gateway stand-in built on our engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Code, ContentFormat, OptionNumber, encodeBlock, encodeUint, getOption, getOptions, getStringOption, getUintOption, decodeBlock, sliceBlock,
  type CoapOption, type Message,
} from '../../src/coap/index.js';
import { createEndpoint, type Endpoint, type ServerExchange, type ServerObserver } from '../../src/engine/index.js';
import { bindUdp } from '../../src/transport/index.js';
import { exitOf, runCli, scratch, spawnCli, waitForOutput } from './cli-client-harness.js';

const DEVICE = 'SSN001350050005E7D6.starfish.test';
const DEVICE_URI = 'coap://ssn001350050005e7d6.starfish.test';
const GOOD_TOKEN = 'good-token';
const LARGE = Buffer.from(Array.from({ length: 2700 }, (_, i) => 0x41 + (i % 26)));
const LINKS = '</time>;rt="ssn.time";obs;ct=0;title="Device clock",</gpio>;rt="ssn.gpio";if="core.a",</large>;sz=2700';

/** The scripted gateway: sessions keyed by client socket, canned device answers by Proxy-Uri path. */
class StandIn {
  readonly sessions = new Set<string>();
  readonly seen: Array<{ from: string; message: Message }> = [];
  readonly uploads: Buffer[] = [];
  uploaded: Buffer | undefined;
  observers: ServerObserver[] = [];
  deregistrations = 0;
  private ticker: NodeJS.Timeout | undefined;
  private tick = 0;

  constructor(readonly endpoint: Endpoint) {
    endpoint.serve((x) => this.handle(x), { rejectUnknownCritical: false });
    this.ticker = setInterval(() => {
      this.tick++;
      for (const o of this.observers) if (o.active) o.notify({ code: Code.CONTENT, payload: Buffer.from(`tick ${this.tick}`) });
    }, 150);
  }

  get port(): number {
    return this.endpoint.local.port;
  }

  private handle(x: ServerExchange): void {
    const from = `${x.from.address}:${x.from.port}`;
    this.seen.push({ from, message: x.request });
    const proxyUri = getStringOption(x.request, OptionNumber.PROXY_URI);
    if (proxyUri === undefined) return this.local(x, from);
    if (!this.sessions.has(from)) return x.respond({ code: Code.UNAUTHORIZED, payload: Buffer.from('No session: POST your token to /sessions first') });
    const url = new URL(proxyUri);
    if (url.hostname !== DEVICE.toLowerCase()) return x.respond({ code: Code.BAD_GATEWAY, payload: Buffer.from(`DNS: no such name "${url.hostname}"`) });
    const text = (code: number, payload: string | Buffer, format?: number, extra: CoapOption[] = []): void =>
      x.respond({ code, options: [...(format === undefined ? [] : [{ number: OptionNumber.CONTENT_FORMAT, value: encodeUint(format) }]), ...extra], payload: Buffer.from(payload) });
    switch (url.pathname) {
      case '/time':
        if (x.observeRequested) {
          const observer = x.observe((reason) => {
            if (reason === 'deregistered') this.deregistrations++;
          });
          if (observer !== undefined) this.observers.push(observer);
        }
        return text(Code.CONTENT, '1795611209', ContentFormat.TEXT_PLAIN);
      case '/json':
        return text(Code.CONTENT, '{"pins":[{"n":1,"on":true}]}', ContentFormat.JSON);
      case '/cbor':
        return text(Code.CONTENT, Buffer.from('a2616e016176f93e00', 'hex'), ContentFormat.CBOR);
      case '/bin':
        return text(Code.CONTENT, Buffer.from([0, 1, 2, 0xfe, 0xff]), ContentFormat.OCTET_STREAM);
      case '/.well-known/core':
        return text(Code.CONTENT, LINKS, ContentFormat.LINK_FORMAT);
      case '/large': {
        const raw = getOption(x.request, OptionNumber.BLOCK2);
        const b = raw === undefined ? undefined : decodeBlock(raw);
        const { num, szx } = b?.ok === true ? b.value : { num: 0, szx: 6 };
        const slice = sliceBlock(LARGE, num, szx);
        if (slice === undefined) return text(Code.BAD_OPTION, 'no such block');
        return text(Code.CONTENT, slice.payload, ContentFormat.TEXT_PLAIN, [
          { number: OptionNumber.ETAG, value: Buffer.from([7]) },
          { number: OptionNumber.BLOCK2, value: encodeBlock(slice.block) },
          { number: OptionNumber.SIZE2, value: encodeUint(LARGE.length) },
        ]);
      }
      case '/upload': {
        const raw = getOption(x.request, OptionNumber.BLOCK1);
        if (raw === undefined) {
          this.uploaded = x.request.payload;
          return text(Code.CHANGED, '');
        }
        const b = decodeBlock(raw);
        assert.ok(b.ok);
        this.uploads.push(x.request.payload);
        if (b.value.more) return x.respond({ code: Code.CONTINUE, options: [{ number: OptionNumber.BLOCK1, value: raw }] });
        this.uploaded = Buffer.concat(this.uploads.splice(0));
        return x.respond({ code: Code.CHANGED, options: [{ number: OptionNumber.BLOCK1, value: raw }] });
      }
      case '/silent':
        return undefined;
      default:
        return text(Code.NOT_IMPLEMENTED, '');
    }
  }

  private local(x: ServerExchange, from: string): void {
    const path = getOptions(x.request, OptionNumber.URI_PATH).map(String).join('/');
    if (path === 'sessions' && x.request.code === Code.POST) {
      if (x.request.payload.toString() !== GOOD_TOKEN) return x.respond({ code: Code.UNAUTHORIZED, payload: Buffer.from('Token refused: token expired') });
      this.sessions.add(from);
      return x.respond({ code: Code.CREATED });
    }
    if (path === 'sessions' && x.request.code === Code.DELETE) {
      if (!this.sessions.delete(from)) return x.respond({ code: Code.PRECONDITION_FAILED, payload: Buffer.from('No session to close on this socket') });
      return x.respond({ code: Code.DELETED });
    }
    if (path === 'help') return x.respond({ code: Code.CONTENT, payload: Buffer.from('To login, send POST to /sessions') });
    return x.respond({ code: Code.NOT_FOUND });
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    this.ticker = undefined;
    await this.endpoint.close();
  }
}

let standIn: StandIn;
let gw: string;

before(async () => {
  standIn = new StandIn(createEndpoint({ transport: await bindUdp({ host: '127.0.0.1', port: 0 }) }));
  gw = `127.0.0.1:${standIn.port}`;
});

after(async () => {
  await standIn.close();
});

function state(path: string): { localPort: number; gateway: string; session?: { sticky: boolean } } {
  return JSON.parse(readFileSync(path, 'utf8')) as { localPort: number; gateway: string; session?: { sticky: boolean } };
}

test('login binds a port, later commands reuse it and the session; logout closes it and clears the state', async () => {
  const s = scratch();
  try {
    const before = await runCli(['get', `${DEVICE}/time`, '--gateway', gw], s.statePath);
    assert.equal(before.code, 4, before.stderr);
    assert.match(before.stderr, /^coap-gateway: 4\.01 Unauthorized: no session for 127\.0\.0\.1:\d+ — run `coap-gateway login`\n$/);

    const refused = await runCli(['login', '--gateway', gw, '--token', 'stale'], s.statePath);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /4\.01 Unauthorized: the gateway refused the token: Token refused: token expired/);
    assert.equal(existsSync(s.statePath), false, 'no state after a refused login');

    const login = await runCli(['login', '--gateway', gw, '--token', GOOD_TOKEN, '--sticky'], s.statePath);
    assert.equal(login.code, 0, login.stderr);
    const saved = state(s.statePath);
    assert.equal(saved.gateway, gw);
    assert.equal(saved.session?.sticky, true);
    assert.match(login.stdout, new RegExp(`^Logged in to ${gw.replace(/\./g, '\\.')} \\(sticky\\): session bound to 127\\.0\\.0\\.1:${saved.localPort}`));
    const post = standIn.seen.at(-1)?.message;
    assert.deepEqual(post === undefined ? [] : getOptions(post, OptionNumber.URI_QUERY).map(String), ['sticky=true']);
    assert.equal(post === undefined ? -1 : getUintOption(post, OptionNumber.CONTENT_FORMAT), 0);

    const get = await runCli(['get', `${DEVICE}/time`], s.statePath);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, '2.05 Content\n  Content-Format: text/plain;charset=utf-8 (0)\n\n1795611209\n');
    const last = standIn.seen.at(-1);
    assert.equal(last?.from, `127.0.0.1:${saved.localPort}`, 'the request came from the session port');
    assert.equal(last === undefined ? '' : getStringOption(last.message, OptionNumber.PROXY_URI), `${DEVICE_URI}/time`);

    const status = await runCli(['status'], s.statePath);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`local: +127\\.0\\.0\\.1:${saved.localPort}\\n`));
    assert.match(status.stdout, /session: +logged in \d+ s ago \(sticky\)/);
    assert.match(status.stdout, /ping: +[\d.]+ ms \(CoAP ping from port \d+\)/);

    const logout = await runCli(['logout'], s.statePath);
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(logout.stdout, /Logged out of .*: the session on 127\.0\.0\.1:\d+ is closed/);
    assert.equal(existsSync(s.statePath), false);
    assert.equal(standIn.sessions.has(`127.0.0.1:${saved.localPort}`), false);
    const again = await runCli(['logout'], s.statePath);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not logged in: no state file at /);
  } finally {
    s.cleanup();
  }
});

test('output: JSON pretty, CBOR decoded, binary as hex, link-format as a table; --json is one object', async () => {
  const s = scratch();
  try {
    assert.equal((await runCli(['login', '--gateway', gw, '--token', GOOD_TOKEN], s.statePath)).code, 0);
    const json = await runCli(['get', `${DEVICE}/json`], s.statePath);
    assert.match(json.stdout, /\n\n\{\n {2}"pins": \[\n {4}\{\n {6}"n": 1,\n {6}"on": true\n/);
    const cbor = await runCli(['get', `coap://${DEVICE}:5683/cbor`], s.statePath);
    assert.match(cbor.stdout, /Content-Format: application\/cbor \(60\)\n\n\{"n": 1, "v": 1\.5\}\n$/);
    const bin = await runCli(['get', `${DEVICE}/bin`], s.statePath);
    assert.match(bin.stdout, /\n00000000 {2}00 01 02 fe ff {35}\.\.\.\.\.\n$/);
    const discover = await runCli(['discover', `${DEVICE}/anything`], s.statePath);
    assert.equal(discover.code, 0, discover.stderr);
    assert.equal(
      discover.stdout,
      `3 resources at ${DEVICE_URI}/.well-known/core\n\nRESOURCE  RT        IF      CT  SZ    OBS  TITLE\n/time     ssn.time          0         yes  Device clock\n/gpio     ssn.gpio  core.a\n/large                          2700\n`,
    );
    const machine = await runCli(['get', `${DEVICE}/json`, '--json'], s.statePath);
    const parsed = JSON.parse(machine.stdout) as Record<string, unknown>;
    assert.deepEqual([parsed['code'], parsed['ok'], parsed['payloadKind'], parsed['payload']], ['2.05', true, 'json', { pins: [{ n: 1, on: true }] }]);
    assert.equal(parsed['request'], `GET ${DEVICE_URI}/json`);
  } finally {
    s.cleanup();
  }
});

test('block-wise: a large answer is reassembled (Block2), a large body is uploaded (Block1) from a file or stdin', async () => {
  const s = scratch();
  try {
    assert.equal((await runCli(['login', '--gateway', gw, '--token', GOOD_TOKEN], s.statePath)).code, 0);
    const large = await runCli(['get', `${DEVICE}/large`, '--json'], s.statePath);
    const parsed = JSON.parse(large.stdout) as { payload: string; payloadBytes: number };
    assert.equal(parsed.payloadBytes, 2700);
    assert.equal(parsed.payload, LARGE.toString());
    const small = await runCli(['get', `${DEVICE}/large`, '--block-size', '64', '--json'], s.statePath);
    assert.equal((JSON.parse(small.stdout) as { payload: string }).payload, LARGE.toString());
    const file = join(s.dir, 'body.bin');
    const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
    writeFileSync(file, body);
    const put = await runCli(['put', `${DEVICE}/upload`, '--file', file, '--content-format', 'octet-stream'], s.statePath);
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout, /^2\.04 Changed\n {2}Block1: 2\/0\/1024\n$/);
    assert.deepEqual(standIn.uploaded, body);
    const piped = await runCli(['post', `${DEVICE}/upload`, '--file', '-', '--block-size', '256'], s.statePath, { stdin: 'x'.repeat(1000) });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(standIn.uploaded?.toString(), 'x'.repeat(1000));
  } finally {
    s.cleanup();
  }
});

test('observe streams notifications until --count, then deregisters; Ctrl-C does the same', async () => {
  const s = scratch();
  try {
    assert.equal((await runCli(['login', '--gateway', gw, '--token', GOOD_TOKEN], s.statePath)).code, 0);
    const before = standIn.deregistrations;
    const counted = await runCli(['observe', `${DEVICE}/time`, '--count', '3', '--json'], s.statePath);
    assert.equal(counted.code, 0, counted.stderr);
    const lines = counted.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; payload: string; observe: number | null });
    assert.deepEqual(lines.map((l) => l.seq), [1, 2, 3]);
    assert.equal(lines[0]?.payload, '1795611209');
    assert.match(lines[1]?.payload ?? '', /^tick \d+$/);
    assert.ok(lines.every((l) => typeof l.observe === 'number'));
    assert.equal(standIn.deregistrations, before + 1, 'GET with Observe 1 sent');

    const child = spawnCli(['observe', `${DEVICE}/time`], s.statePath);
    await waitForOutput(child, (out) => /#3 2\.05 Content · Observe \d+/.test(out));
    child.kill('SIGINT');
    const exit = await exitOf(child);
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(standIn.deregistrations, before + 2);
  } finally {
    s.cleanup();
  }
});

test('errors explain themselves with meaningful exit codes: 5.02, 5.01, timeout, busy port, usage', async () => {
  const s = scratch();
  try {
    assert.equal((await runCli(['login', '--gateway', gw, '--token', GOOD_TOKEN], s.statePath)).code, 0);
    const bad = await runCli(['get', 'SSN0000000000000000.starfish.test/time'], s.statePath);
    assert.deepEqual([bad.code, bad.stderr], [5, 'coap-gateway: 5.02 Bad Gateway: DNS: no such name "ssn0000000000000000.starfish.test"\n']);
    const missing = await runCli(['get', `${DEVICE}/dummy`], s.statePath);
    assert.deepEqual([missing.code, missing.stderr], [5, `coap-gateway: 5.01 Not Implemented: the device does not implement ${DEVICE_URI}/dummy\n`]);
    const slow = await runCli(['get', `${DEVICE}/silent`, '--timeout', '1'], s.statePath);
    assert.equal(slow.code, 3);
    assert.match(slow.stderr, new RegExp(`timeout: no response from the gateway ${gw.replace(/\./g, '\\.')} within 1 s`));
    const json = await runCli(['get', `${DEVICE}/dummy`, '--json'], s.statePath);
    assert.equal(json.code, 5);
    assert.equal((JSON.parse(json.stdout) as { error: string }).error, `5.01 Not Implemented: the device does not implement ${DEVICE_URI}/dummy`);

    for (const [args, pattern] of [
      [['get', 'http://x/y'], /scheme "http" is not supported/],
      [['put', `${DEVICE}/x`, '--content-format', 'nope'], /unknown content format "nope"/],
      [['put', `${DEVICE}/x`, '--payload', 'a', '--file', 'b'], /either --payload or --file/],
      [['get'], /missing required argument 'target'/],
      [['get', `${DEVICE}/x`, '--bogus'], /unknown option '--bogus'/],
      [['observe', `${DEVICE}/x`, '--count', '0'], /--count must be a whole number >= 1/],
      [['get', `${DEVICE}/x`, '--gateway', 'h:99999'], /bad gateway port/],
    ] as const) {
      const r = await runCli(args, s.statePath);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }

    const help = await runCli(['observe', '--help'], s.statePath);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:\n {2}\$ coap-gateway observe SSN001350050005E7D6\.starfish\.test\/time/);
    assert.match(help.stdout, /Exit codes: 0 success \(2\.xx\), 4 a 4\.xx answer, 5 a 5\.xx answer, 3 timeout, 2 usage error/);

    // The session port is held by a running observe: requests say so; a new login moves to a new port.
    const port = state(s.statePath).localPort;
    const child = spawnCli(['observe', `${DEVICE}/time`], s.statePath);
    await waitForOutput(child, (out) => out.includes('1795611209'));
    const busy = await runCli(['get', `${DEVICE}/time`], s.statePath);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`local UDP port ${port} is in use — is another coap-gateway command \\(observe\\?\\) still running\\?`));
    const relogin = await runCli(['login', '--token', GOOD_TOKEN], s.statePath);
    assert.equal(relogin.code, 0, relogin.stderr);
    assert.match(relogin.stderr, /logging in from a new port instead/);
    assert.notEqual(state(s.statePath).localPort, port);
    child.kill('SIGINT');
    assert.equal((await exitOf(child)).code, 0);
  } finally {
    s.cleanup();
  }
});

test('status without a reachable gateway exits 3; a gateway path is served without Proxy-Uri', async () => {
  const s = scratch();
  try {
    const dead = await runCli(['status', '--gateway', '127.0.0.1:9', '--timeout', '1'], s.statePath);
    assert.equal(dead.code, 3, dead.stderr);
    assert.match(dead.stdout, /state: .* \(none: not logged in\)\ngateway: +127\.0\.0\.1:9\nping: +failed: no answer to a CoAP ping within 1 s/);
    const help = await runCli(['get', '/help', '--gateway', gw], s.statePath);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /To login, send POST to \/sessions\n$/);
    const last = standIn.seen.at(-1)?.message;
    assert.equal(last === undefined ? 'missing' : getOption(last, OptionNumber.PROXY_URI), undefined);
  } finally {
    s.cleanup();
  }
});
