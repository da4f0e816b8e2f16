// Unit tests: every refusal reason of the token verifier, and JWKS URL refetching on a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTHeaderParameters, type JWTPayload, type CryptoKey } from 'jose';
import { FakeClock } from '../../test/support/fake-clock.js';
import { createTokenVerifier, type TokenVerifierOptions } from './token-verifier.js';

const ISS = 'https://tokens.example.test';
const AUD = 'coap-gateway';
// Far from the real date, so a verifier that read Date.now() would fail every test.
const WALL_START = Date.UTC(2041, 0, 1);

interface KeyPair { privateKey: CryptoKey; jwk: JWK }

async function keyPair(alg: 'EdDSA' | 'ES256' | 'ES384', kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid } };
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

// Drops keys set to undefined, so a test can remove a claim or header field.
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function claims(clock: FakeClock, extra: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(clock.wallNow() / 1000);
  return defined({
    iss: ISS, aud: AUD, sub: 'meter-app', iat: now, nbf: now, exp: now + 3600, jti: 'j1',
    permissions: [{ devices: ['SSN0013*.example.test'], methods: ['read'] }], sessionLimit: 3,
    ...extra,
  });
}

async function sign(key: KeyPair, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const alg = key.jwk.kty === 'OKP' ? 'EdDSA' : key.jwk.crv === 'P-384' ? 'ES384' : 'ES256';
  const protectedHeader = defined({ alg, kid: key.jwk.kid, typ: 'at+jwt', ...header }) as JWTHeaderParameters;
  return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(key.privateKey);
}

async function setup(options: Partial<TokenVerifierOptions> = {}) {
  const clock = new FakeClock(WALL_START);
  const ed = await keyPair('EdDSA', 'ed-1');
  const es = await keyPair('ES256', 'es-1');
  const verifier = createTokenVerifier({ jwks: { keys: [ed.jwk, es.jwk] }, issuer: ISS, audience: AUD, clock, ...options });
  return { clock, ed, es, verifier };
}

async function reasonOf(verifier: { verify(t: string): Promise<{ ok: boolean; error?: { reason: string } }> }, token: string) {
  const r = await verifier.verify(token);
  return r.ok ? 'ok' : r.error?.reason;
}

test('a good token yields its claims, with times from the injected clock', async () => {
  const { clock, ed, es, verifier } = await setup();
  const r = await verifier.verify(`${await sign(ed, claims(clock))}\n`);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.subject, 'meter-app');
  assert.equal(r.value.issuer, ISS);
  assert.deepEqual(r.value.audience, [AUD]);
  assert.equal(r.value.jwtId, 'j1');
  assert.equal(r.value.sessionLimit, 3);
  assert.equal(r.value.issuedAt, Math.floor(WALL_START / 1000) * 1000);
  assert.equal(r.value.expiresAt, r.value.issuedAt + 3_600_000);
  assert.equal(r.value.permissions.allows('SSN0013AB.example.test', 1), true);
  assert.equal(r.value.permissions.allows('SSN0013AB.example.test', 3), false);
  assert.equal(r.value.raw['sub'], 'meter-app');
  assert.equal(await reasonOf(verifier, await sign(es, claims(clock))), 'ok', 'ES256 is allowed by default');
});

test('expired, and not yet valid, with the clock skew honoured', async () => {
  const { clock, ed, verifier } = await setup({ clockSkewSec: 30 });
  const now = Math.floor(clock.wallNow() / 1000);
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { exp: now - 31 }))), 'expired');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { exp: now - 10 }))), 'ok', 'inside the skew');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { nbf: now + 31 }))), 'not-yet-valid');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { nbf: now + 10 }))), 'ok', 'inside the skew');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { iat: now + 120, nbf: undefined }))), 'not-yet-valid');
  const token = await sign(ed, claims(clock));
  clock.advance(3_600_000 + 31_000);
  const r = await verifier.verify(token);
  assert.ok(!r.ok);
  assert.equal(r.error.reason, 'expired');
  assert.match(r.error.message, /^token expired at 2041-01-01T01:00:00/);
});

test('wrong issuer and wrong audience', async () => {
  const { clock, ed, verifier } = await setup();
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { iss: 'https://evil.test' }))), 'wrong-issuer');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { iss: undefined }))), 'wrong-issuer');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { aud: 'other-api' }))), 'wrong-audience');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { aud: ['other-api', AUD] }))), 'ok');
});

test('unsigned tokens (alg none) are refused', async () => {
  const { clock, verifier } = await setup();
  const body = b64(claims(clock));
  assert.equal(await reasonOf(verifier, `${b64({ alg: 'none', typ: 'JWT' })}.${body}.`), 'unsigned');
  assert.equal(await reasonOf(verifier, `${b64({ alg: 'EdDSA', kid: 'ed-1' })}.${body}.`), 'unsigned');
});

test('HMAC with the public key as secret (algorithm confusion) is refused', async () => {
  const { clock, ed, verifier } = await setup();
  const input = `${b64({ alg: 'HS256', kid: 'ed-1' })}.${b64(claims(clock))}`;
  const secret = Buffer.from(JSON.stringify(ed.jwk));
  const mac = createHmac('sha256', secret).update(input).digest('base64url');
  const r = await verifier.verify(`${input}.${mac}`);
  assert.ok(!r.ok);
  assert.equal(r.error.reason, 'algorithm-not-allowed');
  assert.throws(() => createTokenVerifier({ jwks: { keys: [] }, issuer: ISS, audience: AUD, clock: new FakeClock(), algorithms: ['HS256'] }), /HMAC/);
  assert.throws(() => createTokenVerifier({ jwks: { keys: [] }, issuer: ISS, audience: AUD, clock: new FakeClock(), algorithms: [] }), /empty/);
  assert.throws(() => createTokenVerifier({ issuer: ISS, audience: AUD, clock: new FakeClock() }), /jwks/);
});

test('an algorithm off the list, or one that does not fit the named key, is refused', async () => {
  const { clock, ed, verifier } = await setup({ algorithms: ['EdDSA'] });
  const es384 = await keyPair('ES384', 'es384');
  assert.equal(await reasonOf(verifier, await sign(es384, claims(clock))), 'algorithm-not-allowed');
  const both = await setup();
  // header claims ES256 but names the Ed25519 key
  const forged = `${b64({ alg: 'ES256', kid: 'ed-1' })}.${b64(claims(clock))}.${Buffer.alloc(64).toString('base64url')}`;
  assert.equal(await reasonOf(both.verifier, forged), 'algorithm-not-allowed');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock))), 'ok');
});

test('bad signatures: tampered payload, or another key under a known kid', async () => {
  const { clock, ed, verifier } = await setup();
  const [h, , s] = (await sign(ed, claims(clock))).split('.');
  const tampered = `${h}.${b64(claims(clock, { permissions: [{ devices: ['*'], methods: ['all'] }] }))}.${s}`;
  assert.equal(await reasonOf(verifier, tampered), 'bad-signature');
  const impostor = await keyPair('EdDSA', 'ed-1');
  assert.equal(await reasonOf(verifier, await sign(impostor, claims(clock))), 'bad-signature');
  // no kid: every fitting key is tried, and the impostor still fails
  assert.equal(await reasonOf(verifier, await sign(impostor, claims(clock), { kid: undefined })), 'bad-signature');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock), { kid: undefined })), 'ok');
});

test('unknown kid, unparsable tokens and oversized tokens', async () => {
  const { clock, verifier } = await setup();
  const stranger = await keyPair('EdDSA', 'who');
  assert.equal(await reasonOf(verifier, await sign(stranger, claims(clock))), 'unknown-key');
  assert.equal(await reasonOf(verifier, 'not-a-token'), 'unparsable');
  assert.equal(await reasonOf(verifier, 'a.b'), 'unparsable');
  assert.equal(await reasonOf(verifier, 'a!.b.c'), 'unparsable');
  assert.equal(await reasonOf(verifier, 'x'.repeat(9000)), 'too-large');
  const big = await sign((await setup()).ed, claims(clock, { pad: 'x'.repeat(8200) }));
  assert.equal(await reasonOf(verifier, big), 'too-large');
});

test('signed but incomplete or malformed claims are unparsable', async () => {
  const { clock, ed, verifier } = await setup();
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { jti: undefined }))), 'unparsable');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { exp: undefined }))), 'unparsable');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { sub: undefined }))), 'unparsable');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { permissions: [{ devices: ['*'], methods: ['GTE'] }] }))), 'unparsable');
  assert.equal(await reasonOf(verifier, await sign(ed, claims(clock, { sessionLimit: -1 }))), 'unparsable');
  const strict = await setup({ tokenType: 'at+jwt' });
  assert.equal(await reasonOf(strict.verifier, await sign(strict.ed, claims(clock), { typ: 'JWT' })), 'unparsable');
  assert.equal(await reasonOf(strict.verifier, await sign(strict.ed, claims(clock))), 'ok');
});

test('JWKS URL: fetched once, refetched on an unknown kid at most once per interval', async () => {
  const clock = new FakeClock(WALL_START);
  const k1 = await keyPair('EdDSA', 'k1');
  const k2 = await keyPair('EdDSA', 'k2');
  let served: JWK[] = [k1.jwk];
  let fetches = 0;
  const fakeFetch = (async () => {
    fetches++;
    return new Response(JSON.stringify({ keys: served }), { status: 200 });
  }) as typeof fetch;
  const verifier = createTokenVerifier({
    jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json', issuer: ISS, audience: AUD, clock, fetch: fakeFetch,
    jwksRefetchMinIntervalMs: 10_000, jwksMaxAgeMs: 3_600_000,
  });
  assert.equal(await reasonOf(verifier, await sign(k1, claims(clock))), 'ok');
  assert.equal(fetches, 1);
  assert.equal(await reasonOf(verifier, await sign(k1, claims(clock))), 'ok');
  assert.equal(fetches, 1, 'cached');
  clock.advance(10_000);
  served = [k1.jwk, k2.jwk]; // the issuer rotated
  assert.equal(await reasonOf(verifier, await sign(k2, claims(clock))), 'ok');
  assert.equal(fetches, 2, 'refetched for the new kid');
  const stranger = await keyPair('EdDSA', 'who');
  assert.equal(await reasonOf(verifier, await sign(stranger, claims(clock))), 'unknown-key');
  assert.equal(await reasonOf(verifier, await sign(stranger, claims(clock))), 'unknown-key');
  assert.equal(fetches, 2, 'unknown kids within the interval cause no fetch');
  clock.advance(10_000);
  assert.equal(await reasonOf(verifier, await sign(stranger, claims(clock))), 'unknown-key');
  assert.equal(fetches, 3);
  assert.equal(clock.pendingTimers, 0, 'fetch timeouts are cleared');
});

test('JWKS URL down: a clear unknown-key failure, recovery later', async () => {
  const clock = new FakeClock(WALL_START);
  const k1 = await keyPair('EdDSA', 'k1');
  let up = false;
  const fakeFetch = (async () => {
    if (!up) throw new Error('connect ECONNREFUSED');
    return new Response(JSON.stringify({ keys: [k1.jwk, { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }] }));
  }) as typeof fetch;
  const verifier = createTokenVerifier({ jwksUrl: 'http://127.0.0.1:1/jwks', issuer: ISS, audience: AUD, clock, fetch: fakeFetch });
  const r = await verifier.verify(await sign(k1, claims(clock)));
  assert.ok(!r.ok);
  assert.equal(r.error.reason, 'unknown-key');
  assert.match(r.error.message, /signing keys unavailable \(connect ECONNREFUSED\)/);
  up = true;
  clock.advance(10_000);
  assert.equal(await reasonOf(verifier, await sign(k1, claims(clock))), 'ok');
  // the symmetric key in the set is never used
  const hs = `${b64({ alg: 'HS256', kid: 'hmac' })}.${b64(claims(clock))}.${createHmac('sha256', 'secret').update('x').digest('base64url')}`;
  assert.equal(await reasonOf(verifier, hs), 'algorithm-not-allowed');
});

test('JWKS fetch that hangs times out on the clock', async () => {
  const clock = new FakeClock(WALL_START);
  const k1 = await keyPair('EdDSA', 'k1');
  const hanging = ((_url: string, init?: RequestInit) =>
    new Promise<Response>((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
    })) as typeof fetch;
  const verifier = createTokenVerifier({ jwksUrl: 'http://127.0.0.1:1/jwks', issuer: ISS, audience: AUD, clock, fetch: hanging, jwksFetchTimeoutMs: 2_000 });
  const pending = verifier.verify(await sign(k1, claims(clock)));
  await clock.advanceAsync(2_000);
  const r = await pending;
  assert.ok(!r.ok);
  assert.match(r.error.message, /timed out/);
});
