import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Code,
  ContentFormat,
  MessageType,
  OptionNumber,
  decodeBlock,
  encode,
  encodeBlock,
  getOption,
  getUintOption,
  makeOptions,
  parseLinkFormat,
  type CoapOption,
  type Message,
} from '../../coap/index.js';
import { compilePermissions, type TokenVerifier, type TokenClaims } from '../../auth/index.js';
import { createMemoryStore, createSessionService } from '../../sessions/index.js';
import { err, ok, seededRandom } from '../../base/index.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { createLocalResources } from '../stages/local-resources.js';
import { createHelpResource, createRootResource, HELP_TEXT } from './help-resource.js';
import { createEchoResource } from './echo-resource.js';
import { createSessionsResource, wantsSticky } from './sessions-resource.js';
import type { LocalRequest } from './local-resource.js';

const FROM = { address: '127.0.0.1', port: 54321 };

function message(code: number, options: CoapOption[], payload = Buffer.alloc(0)): Message {
  return { type: MessageType.CON, code, messageId: 0x40cf, token: Buffer.alloc(0), options, payload };
}

function local(m: Message, hasSession = true): LocalRequest {
  return { message: m, from: FROM, requestBytes: encode(m).length, hasSession };
}

function claims(subject: string, sessionLimit?: number): TokenClaims {
  return {
    subject,
    issuer: 'iss',
    audience: ['aud'],
    issuedAt: 0,
    expiresAt: Date.UTC(2030, 0, 1),
    jwtId: `jti-${subject}`,
    permissions: compilePermissions([{ devices: ['*'], methods: ['all'] }]),
    raw: {},
    ...(sessionLimit === undefined ? {} : { sessionLimit }),
  };
}

const verifier: TokenVerifier = {
  verify: (token) =>
    Promise.resolve(
      token.startsWith('good:')
        ? ok(claims(token.slice(5).split(':')[0] ?? '', token.split(':')[2] === undefined ? undefined : Number(token.split(':')[2])))
        : err({ reason: 'expired', message: 'token expired at 2020-01-01T00:00:00.000Z' }),
    ),
};

function setup(limit = 10) {
  const clock = new FakeClock();
  const sessions = createSessionService({ store: createMemoryStore(), clock, random: seededRandom(1) });
  const local = createLocalResources(
    [createRootResource(), createHelpResource(), createSessionsResource({ sessions, verifier, defaultLimit: limit }), createEchoResource()],
    false,
    clock,
  );
  return { clock, sessions, local };
}

test('GET /help answers exactly the guide text as text/plain', async () => {
  const { local: r, sessions } = setup();
  const res = await r.handle(local(message(Code.GET, makeOptions([[OptionNumber.URI_PATH, 'help']]))));
  assert.equal(res.code, Code.CONTENT);
  assert.equal(res.payload.toString('utf8'), HELP_TEXT);
  assert.match(HELP_TEXT, /^To login, send POST to \/sessions\nTo have your session follow your account across different clients, include the query parameter '&sticky=true'\.\nTo logout, send DELETE to \/sessions\.\nTo echo a payload, send POST to \/echo\.$/);
  assert.equal(getUintOption(res.options, OptionNumber.CONTENT_FORMAT), ContentFormat.TEXT_PLAIN);
  // the guide's `coap-client -m get coap://gatewayhost`: no Uri-Path at all
  const root = await r.handle(local(message(Code.GET, [])));
  assert.equal(root.payload.toString('utf8'), HELP_TEXT);
  await sessions.close();
});

test('unknown path 4.04, wrong method 4.05, unknown critical option 4.02', async () => {
  const { local: r, sessions } = setup();
  const nf = await r.handle(local(message(Code.GET, makeOptions([[OptionNumber.URI_PATH, 'nope']]))));
  assert.equal(nf.code, Code.NOT_FOUND);
  const na = await r.handle(local(message(Code.PUT, makeOptions([[OptionNumber.URI_PATH, 'help']]))));
  assert.equal(na.code, Code.METHOD_NOT_ALLOWED);
  const bo = await r.handle(local(message(Code.GET, makeOptions([[OptionNumber.URI_PATH, 'help'], [2049, 'x']]))));
  assert.equal(bo.code, Code.BAD_OPTION);
  const elective = await r.handle(local(message(Code.GET, makeOptions([[OptionNumber.URI_PATH, 'help'], [2048, 'x']]))));
  assert.equal(elective.code, Code.CONTENT);
  await sessions.close();
});

test('/.well-known/core lists the local resources with rt/title, as link-format, filterable', async () => {
  const { local: r, sessions } = setup();
  const wkc = makeOptions([
    [OptionNumber.URI_PATH, '.well-known'],
    [OptionNumber.URI_PATH, 'core'],
  ]);
  const all = await r.handle(local(message(Code.GET, wkc)));
  assert.equal(getUintOption(all.options, OptionNumber.CONTENT_FORMAT), ContentFormat.LINK_FORMAT);
  const links = parseLinkFormat(all.payload.toString());
  assert.ok(links.ok);
  const targets = links.value.map((l) => l.target);
  for (const t of ['/help', '/sessions', '/echo', '/']) assert.ok(targets.includes(t), t);
  assert.match(all.payload.toString(), /rt="core\.help"/);
  assert.match(all.payload.toString(), /title="/);

  const byRt = await r.handle(local(message(Code.GET, [...wkc, { number: OptionNumber.URI_QUERY, value: Buffer.from('rt=core.sess*') }])));
  assert.equal(byRt.payload.toString().split(',').length, 1);
  assert.match(byRt.payload.toString(), /^<\/sessions>/);
  const byHref = await r.handle(local(message(Code.GET, [...wkc, { number: OptionNumber.URI_QUERY, value: Buffer.from('href=/echo') }])));
  assert.match(byHref.payload.toString(), /^<\/echo>[^,]*$/);
  const none = await r.handle(local(message(Code.GET, [...wkc, { number: OptionNumber.URI_QUERY, value: Buffer.from('rt=nomatch') }])));
  assert.equal(none.code, Code.CONTENT);
  assert.equal(none.payload.length, 0);
  await sessions.close();
});

test('an unverified client gets /.well-known/core in small Block2 slices (RFC 7252 §11.3)', async () => {
  const { local: r, sessions } = setup();
  const m = message(Code.GET, makeOptions([[OptionNumber.URI_PATH, '.well-known'], [OptionNumber.URI_PATH, 'core']]));
  const req = local(m, false);
  const first = await r.handle(req);
  assert.ok(encode({ ...m, type: MessageType.ACK, code: first.code, options: first.options, payload: first.payload }).length <= 3 * req.requestBytes);
  const block = getOption(first.options, OptionNumber.BLOCK2);
  assert.ok(block);
  const b = decodeBlock(block);
  assert.ok(b.ok && b.value.more && b.value.num === 0);
  const full = await r.handle(local(m, true));
  assert.equal(getUintOption(first.options, OptionNumber.SIZE2), full.payload.length);
  // the client asks for the next block and gets the matching bytes
  const next = await r.handle(local({ ...m, options: makeOptions([...m.options.map((o) => [o.number, o.value] as const), [OptionNumber.BLOCK2, encodeBlock({ num: 1, more: false, szx: b.value.szx })]]) }, false));
  assert.deepEqual(next.payload, full.payload.subarray(b.value.size, 2 * b.value.size));
  await sessions.close();
});

test('POST /echo returns payload and Content-Format; never more bytes than the request without a session', async () => {
  const { local: r, sessions } = setup();
  const m = message(Code.POST, makeOptions([[OptionNumber.URI_PATH, 'echo'], [OptionNumber.CONTENT_FORMAT, ContentFormat.JSON]]), Buffer.from('{"a":1}'));
  const res = await r.handle(local(m, false));
  assert.equal(res.code, Code.CONTENT);
  assert.equal(res.payload.toString(), '{"a":1}');
  assert.equal(getUintOption(res.options, OptionNumber.CONTENT_FORMAT), ContentFormat.JSON);
  const size = encode({ ...m, type: MessageType.ACK, code: res.code, options: res.options, payload: res.payload }).length;
  assert.ok(size <= encode(m).length);
  // a lying requestBytes (e.g. a tiny datagram claiming a big payload) still bounds the answer
  const capped = await r.handle({ message: m, from: FROM, requestBytes: 10, hasSession: false });
  assert.ok(capped.payload.length <= 10);
  await sessions.close();
});

test('POST /sessions: 2.01, 4.01 with the reason, 4.29 at the limit; DELETE 2.02 then 4.12', async () => {
  const { local: r, sessions } = setup(1);
  const path = makeOptions([[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.CONTENT_FORMAT, 0]]);
  const bad = await r.handle(local(message(Code.POST, path, Buffer.from('garbage'))));
  assert.equal(bad.code, Code.UNAUTHORIZED);
  assert.match(bad.payload.toString(), /expired/);
  const good = await r.handle(local(message(Code.POST, path, Buffer.from('good:alice\n'))));
  assert.equal(good.code, Code.CREATED);
  const again = await r.handle(local(message(Code.POST, path, Buffer.from('good:alice'))));
  assert.equal(again.code, Code.CREATED, 'a new login on the same socket replaces the session');
  const other = await r.handle({ ...local(message(Code.POST, path, Buffer.from('good:alice'))), from: { address: '127.0.0.1', port: 1 } });
  assert.equal(other.code, Code.TOO_MANY_REQUESTS);
  assert.match(other.payload.toString(), /1 of 1/);
  const del = makeOptions([[OptionNumber.URI_PATH, 'sessions']]);
  assert.equal((await r.handle(local(message(Code.DELETE, del)))).code, Code.DELETED);
  assert.equal((await r.handle(local(message(Code.DELETE, del)))).code, Code.PRECONDITION_FAILED);
  const wrongFormat = await r.handle(local(message(Code.POST, makeOptions([[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.CONTENT_FORMAT, 50]]), Buffer.from('good:bob'))));
  assert.equal(wrongFormat.code, Code.UNSUPPORTED_CONTENT_FORMAT);
  await sessions.close();
});

test('sticky=true is recognized with or without the leading "&"', () => {
  assert.equal(wantsSticky(['sticky=true']), true);
  assert.equal(wantsSticky(['&sticky=true']), true);
  assert.equal(wantsSticky(['', 'Sticky=TRUE']), true);
  assert.equal(wantsSticky(['sticky=false']), false);
  assert.equal(wantsSticky([]), false);
});

test('a token longer than one block is POSTed with Block1: 2.31 Continue, then 2.01 with the last Block1 (RFC 7959 §2.5)', async () => {
  const { local: r, sessions } = setup();
  const token = 'good:alice' + ' '.repeat(150);
  const body = Buffer.from(token);
  const send = (num: number, more: boolean) =>
    r.handle(local(message(Code.POST, makeOptions([[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.CONTENT_FORMAT, 0], [OptionNumber.BLOCK1, encodeBlock({ num, more, szx: 2 })]]), body.subarray(num * 64, (num + 1) * 64))));
  const b0 = await send(0, true);
  assert.equal(b0.code, Code.CONTINUE);
  const b1 = await send(1, true);
  assert.equal(b1.code, Code.CONTINUE);
  const last = await send(2, false);
  assert.equal(last.code, Code.CREATED);
  assert.ok(getOption(last.options, OptionNumber.BLOCK1));
  // a block out of order is refused
  const stray = await send(2, false);
  assert.equal(stray.code, Code.BAD_REQUEST);
  await sessions.close();
});
