// Session model: client key spelling and the string-record codec on good and hostile stored data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientKeyOf, sessionFromPairs, sessionFromRecord, sessionToRecord, type Session } from './session.js';

const s: Session = {
  id: 'abc',
  account: 'acct',
  clientKey: '127.0.0.1:5683',
  sticky: true,
  createdAtMs: 1,
  lastActivityMs: 2,
  expiresAtMs: 3,
  tokenId: 'jti',
  permissions: { devices: ['SSN*'], methods: ['GET'] },
};

test('clientKeyOf brackets IPv6 addresses only', () => {
  assert.equal(clientKeyOf('127.0.0.1', 5683), '127.0.0.1:5683');
  assert.equal(clientKeyOf('::1', 40000), '[::1]:40000');
  assert.equal(clientKeyOf('fe80::1%lo', 1), '[fe80::1%lo]:1');
});

test('a session survives the record round trip', () => {
  const r = sessionToRecord(s);
  assert.ok(r.ok);
  assert.equal(r.value.sticky, '1');
  assert.deepEqual(sessionFromRecord(r.value), { ok: true, value: s });
  assert.deepEqual(sessionFromPairs(Object.entries(r.value).flat()), { ok: true, value: s });
});

test('undefined permissions are stored as null; non-JSON permissions are an error', () => {
  const r = sessionToRecord({ ...s, permissions: undefined });
  assert.ok(r.ok);
  assert.equal(r.value.permissions, 'null');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(sessionToRecord({ ...s, permissions: cyclic }).ok, false);
  assert.equal(sessionToRecord({ ...s, permissions: 1n }).ok, false);
});

test('hostile stored records are errors, never exceptions', () => {
  const good = sessionToRecord(s);
  assert.ok(good.ok);
  const bad: Array<Record<string, string | undefined>> = [
    {},
    { ...good.value, id: '' },
    { ...good.value, account: undefined },
    { ...good.value, sticky: 'yes' },
    { ...good.value, createdAtMs: 'soon' },
    { ...good.value, lastActivityMs: 'NaN' },
    { ...good.value, permissions: '{' },
  ];
  for (const b of bad) assert.equal(sessionFromRecord(b).ok, false, JSON.stringify(b));
  assert.equal(sessionFromPairs([1, 2, 'id']).ok, false);
});
