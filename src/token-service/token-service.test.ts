// Route tests through fastify inject(): the token endpoint, its errors and rate limits, JWKS and rotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { cryptoRandom } from '../base/index.js';
import { createTokenVerifier } from '../auth/index.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { parseAccounts } from './accounts.js';
import { hashSecret } from './secret-hash.js';
import { createTokenService, type TokenServiceOptions } from './token-service.js';
import { fetchToken } from './token-client.js';

const SECRET = 'p@ss:w+rd %41';

async function service(extra: Partial<TokenServiceOptions> = {}) {
  const clock = new FakeClock(Date.UTC(2040, 5, 1));
  const parsed = parseAccounts({
    accounts: [
      {
        clientId: 'meter-app', secret: await hashSecret(SECRET, cryptoRandom, { N: 1024, r: 8, p: 1 }), sessionLimit: 4, tokenLifetimeSec: 600,
        permissions: [{ devices: ['SSN0013*.example.test'], methods: ['read', 'PUT'] }],
      },
      { clientId: 'demo', secret: 'plain:demo' },
    ],
  });
  assert.ok(parsed.ok);
  const svc = await createTokenService({ accounts: parsed.value, clock, issuer: 'https://tokens.example.test', ...extra });
  return { clock, svc, app: svc.app };
}

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const formEncode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function post(app: FastifyInstance, payload: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') {
  return app.inject({ method: 'POST', url: '/oauth/token', headers: { ...FORM, ...headers }, payload, remoteAddress });
}

/** A fetch that goes to the app through inject(): the verifier reads the JWKS with no socket. */
const injectFetch = (app: FastifyInstance): typeof fetch =>
  (async (input: string | URL | Request) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const r = await app.inject({ method: 'GET', url: url.pathname });
    return new Response(r.body, { status: r.statusCode, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;

test('client credentials by HTTP Basic: a token that the verifier accepts, with the account inside', async () => {
  const { app, svc, clock } = await service();
  const id = formEncode('meter-app'), secret = formEncode(SECRET);
  const r = await post(app, 'grant_type=client_credentials', { authorization: basic(id, secret) });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.equal(r.headers['pragma'], 'no-cache');
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const body = r.json<{ access_token: string; token_type: string; expires_in: number; scope: string }>();
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 600);
  assert.equal(body.scope, 'coap-gateway');
  const verifier = createTokenVerifier({
    jwksUrl: 'http://token.service/.well-known/jwks.json', fetch: injectFetch(app),
    issuer: svc.issuer, audience: 'coap-gateway', clock, tokenType: 'at+jwt',
  });
  const v = await verifier.verify(body.access_token);
  assert.ok(v.ok, JSON.stringify(v));
  assert.equal(v.value.subject, 'meter-app');
  assert.equal(v.value.sessionLimit, 4);
  assert.equal(v.value.expiresAt - v.value.issuedAt, 600_000);
  assert.equal(v.value.issuedAt, Math.floor(clock.wallNow() / 1000) * 1000, 'iat from the injected clock');
  assert.equal(v.value.raw['client_id'], 'meter-app');
  assert.equal(v.value.raw['nbf'], v.value.raw['iat']);
  assert.equal(v.value.permissions.allows('SSN0013AA.example.test', 3), true);
  assert.equal(v.value.permissions.allows('SSN0013AA.example.test', 4), false);
  await svc.close();
});

test('client credentials in the form body work too', async () => {
  const { app, svc } = await service();
  const r = await post(app, `grant_type=client_credentials&client_id=meter-app&client_secret=${formEncode(SECRET)}`);
  assert.equal(r.statusCode, 200, r.body);
  const plain = await post(app, 'grant_type=client_credentials&client_id=demo&client_secret=demo');
  assert.equal(plain.statusCode, 200, plain.body);
  await svc.close();
});

test('wrong secret and unknown client: the same 401 invalid_client', async () => {
  const { app, svc } = await service();
  const wrong = await post(app, 'grant_type=client_credentials&client_id=meter-app&client_secret=nope');
  const unknown = await post(app, 'grant_type=client_credentials&client_id=nobody&client_secret=nope');
  for (const r of [wrong, unknown]) {
    assert.equal(r.statusCode, 401);
    assert.deepEqual(r.json(), { error: 'invalid_client', error_description: 'client authentication failed' });
    assert.equal(r.headers['cache-control'], 'no-store');
  }
  const viaBasic = await post(app, 'grant_type=client_credentials', { authorization: basic('meter-app', 'nope') });
  assert.equal(viaBasic.statusCode, 401);
  assert.match(String(viaBasic.headers['www-authenticate']), /^Basic realm=/, 'RFC 6749 §5.2: challenge for a Basic attempt');
  const bearer = await post(app, 'grant_type=client_credentials', { authorization: 'Bearer abc' });
  assert.equal(bearer.statusCode, 401);
  assert.equal(bearer.json<{ error: string }>().error, 'invalid_client');
  const none = await post(app, 'grant_type=client_credentials');
  assert.equal(none.statusCode, 401);
  await svc.close();
});

test('malformed requests get RFC 6749 §5.2 errors', async () => {
  const { app, svc } = await service();
  const cases: Array<[string, Record<string, string>, number, string]> = [
    ['grant_type=password&client_id=demo&client_secret=demo', {}, 400, 'unsupported_grant_type'],
    ['client_id=demo&client_secret=demo', {}, 400, 'invalid_request'],
    ['grant_type=client_credentials&grant_type=client_credentials&client_id=demo&client_secret=demo', {}, 400, 'invalid_request'],
    ['grant_type=client_credentials&client_secret=demo', { authorization: basic('demo', 'demo') }, 400, 'invalid_request'],
    ['grant_type=client_credentials&client_id=other', { authorization: basic('demo', 'demo') }, 400, 'invalid_request'],
    ['{"grant_type":"client_credentials"}', { 'content-type': 'application/json', authorization: basic('demo', 'demo') }, 400, 'invalid_request'],
    ['grant_type=client_credentials', { 'content-type': 'application/xml', authorization: basic('demo', 'demo') }, 400, 'invalid_request'],
    ['grant_type=client_credentials', { authorization: 'Basic !!!' }, 401, 'invalid_client'],
    ['grant_type=client_credentials', { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }, 401, 'invalid_client'],
    ['grant_type=client_credentials', { authorization: basic('demo', '%zz') }, 401, 'invalid_client'],
  ];
  for (const [payload, headers, status, error] of cases) {
    const r = await post(app, payload, headers);
    assert.equal(r.statusCode, status, `${payload} ${JSON.stringify(headers)}: ${r.body}`);
    assert.equal(r.json<{ error: string }>().error, error, payload);
  }
  const big = await post(app, `grant_type=client_credentials&x=${'a'.repeat(20_000)}`, { authorization: basic('demo', 'demo') });
  assert.equal(big.statusCode, 400);
  assert.equal(big.json<{ error: string }>().error, 'invalid_request');
  const get = await app.inject({ method: 'GET', url: '/oauth/token' });
  assert.equal(get.statusCode, 405);
  assert.equal(get.headers['allow'], 'POST');
  assert.equal((await app.inject({ method: 'GET', url: '/nope' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).json<{ status: string }>().status, 'ok');
  await svc.close();
});

test('failed attempts are rate limited per client id and per address (429 + Retry-After)', async () => {
  const { app, svc, clock } = await service({
    rateLimits: { failuresPerClient: { limit: 3, windowMs: 60_000 }, failuresPerAddress: { limit: 5, windowMs: 60_000 } },
  });
  const attempt = (secret: string, address: string) =>
    post(app, `grant_type=client_credentials&client_id=demo&client_secret=${secret}`, {}, address);
  for (let i = 0; i < 3; i++) assert.equal((await attempt('bad', `10.0.0.${i + 1}`)).statusCode, 401);
  const blocked = await attempt('demo', '10.0.0.9');
  assert.equal(blocked.statusCode, 429, 'the client id is blocked, even with the right secret and a new address');
  assert.equal(blocked.json<{ error: string }>().error, 'too_many_requests');
  assert.equal(blocked.headers['retry-after'], '60');
  const other = await post(app, `grant_type=client_credentials&client_id=meter-app&client_secret=${formEncode(SECRET)}`, {}, '10.0.0.9');
  assert.equal(other.statusCode, 200, 'other clients are not affected');
  // per address: five failures for unknown ids from one address
  for (let i = 0; i < 5; i++) {
    const r = await post(app, `grant_type=client_credentials&client_id=x${i}&client_secret=bad`, {}, '10.9.9.9');
    assert.equal(r.statusCode, 401);
  }
  const fromAddress = await post(app, `grant_type=client_credentials&client_id=meter-app&client_secret=${formEncode(SECRET)}`, {}, '10.9.9.9');
  assert.equal(fromAddress.statusCode, 429);
  clock.advance(60_000);
  assert.equal((await attempt('demo', '10.9.9.9')).statusCode, 200, 'allowed again after the window');
  await svc.close();
});

test('JWKS endpoint, rotation, and tokens signed before a rotation still verify', async () => {
  const { app, svc, clock } = await service();
  const verifier = createTokenVerifier({
    jwksUrl: 'http://token.service/.well-known/jwks.json', fetch: injectFetch(app), issuer: svc.issuer, audience: 'coap-gateway', clock,
  });
  const before = await svc.issueToken('meter-app');
  assert.ok(before.ok);
  assert.ok((await verifier.verify(before.value.accessToken)).ok);
  const newKid = await svc.rotateKey();
  const after = await svc.issueToken('meter-app');
  assert.ok(after.ok);
  clock.advance(10_000); // past the verifier's refetch interval
  const v = await verifier.verify(after.value.accessToken);
  assert.ok(v.ok, JSON.stringify(v));
  assert.ok((await verifier.verify(before.value.accessToken)).ok, 'old key still published');
  const jwks = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  assert.equal(jwks.statusCode, 200);
  assert.equal(jwks.headers['cache-control'], 'public, max-age=60');
  const keys = jwks.json<{ keys: Array<{ kid: string; d?: string }> }>().keys;
  assert.equal(keys[0]?.kid, newKid);
  assert.equal(keys.length, 2);
  assert.ok(keys.every((k) => k.d === undefined), 'no private material published');
  assert.equal((await svc.issueToken('nobody')).ok, false);
  await svc.close();
});

test('ES256 signing, and fetchToken against the service (secret with reserved characters)', async () => {
  const { app, svc, clock } = await service({ algorithm: 'ES256' });
  const fetched = await fetchToken({ url: 'http://token.service', clientId: 'meter-app', clientSecret: SECRET, fetch: (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const r = await app.inject({ method: 'POST', url: url.pathname, headers: init?.headers as Record<string, string>, payload: String(init?.body) });
    return new Response(r.body, { status: r.statusCode });
  }) as typeof fetch });
  assert.ok(fetched.ok, JSON.stringify(fetched));
  assert.equal(fetched.value.expiresInSec, 600);
  const header = JSON.parse(Buffer.from(fetched.value.accessToken.split('.')[0] ?? '', 'base64url').toString()) as { alg: string; typ: string };
  assert.equal(header.alg, 'ES256');
  assert.equal(header.typ, 'at+jwt');
  const verifier = createTokenVerifier({ jwks: svc.jwks(), issuer: svc.issuer, audience: 'coap-gateway', clock, algorithms: ['ES256'] });
  assert.ok((await verifier.verify(fetched.value.accessToken)).ok);
  const refused = await fetchToken({ url: 'http://token.service/oauth/token', clientId: 'meter-app', clientSecret: 'wrong', fetch: (async () =>
    new Response(JSON.stringify({ error: 'invalid_client', error_description: 'client authentication failed' }), { status: 401 })) as typeof fetch });
  assert.deepEqual(refused, { ok: false, error: 'token request failed (HTTP 401): invalid_client: client authentication failed' });
  await svc.close();
});
