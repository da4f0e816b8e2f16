// Unit tests: scrypt and plain secrets, and refusal of bad stored forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cryptoRandom, seededRandom } from '../base/index.js';
import { hashSecret, parseStoredSecret, verifySecret } from './secret-hash.js';

const CHEAP = { N: 1024, r: 8, p: 1 };

test('scrypt hash round trip: right secret passes, wrong one fails', async () => {
  const stored = await hashSecret('correct horse', cryptoRandom, CHEAP);
  assert.match(stored, /^scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  const parsed = parseStoredSecret(stored);
  assert.ok(parsed.ok);
  assert.equal(await verifySecret('correct horse', parsed.value), true);
  assert.equal(await verifySecret('correct horsE', parsed.value), false);
  assert.equal(await verifySecret('', parsed.value), false);
});

test('salts come from the injected Random: same seed, same hash; fresh salt otherwise', async () => {
  const a = await hashSecret('x', seededRandom(1), CHEAP);
  const b = await hashSecret('x', seededRandom(1), CHEAP);
  const c = await hashSecret('x', seededRandom(2), CHEAP);
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test('plain: secrets compare in constant time and must not be empty', async () => {
  const parsed = parseStoredSecret('plain:demo-secret');
  assert.ok(parsed.ok);
  assert.equal(await verifySecret('demo-secret', parsed.value), true);
  assert.equal(await verifySecret('demo-secre', parsed.value), false);
  assert.equal(parseStoredSecret('plain:').ok, false);
});

test('malformed or dangerous stored forms are refused without echoing the value', async () => {
  for (const bad of ['hunter2', 'scrypt$', 'scrypt$N=1024,r=8,p=1$c2FsdHNhbHQ', 'scrypt$N=1000,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
    'scrypt$N=4194304,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'scrypt$N=1024,r=99,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
    'scrypt$N=1024,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA', 'scrypt$N=1024,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA$x']) {
    const r = parseStoredSecret(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.ok(!r.error.includes('hunter2'), 'never repeats the value');
  }
  await assert.rejects(hashSecret('x', cryptoRandom, { N: 1000, r: 8, p: 1 }), RangeError);
});
