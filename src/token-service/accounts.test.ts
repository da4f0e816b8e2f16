// Unit tests: accounts file validation, defaults and field-path errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccounts, parseAccountsText } from './accounts.js';

const HASH = 'scrypt$N=1024,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

test('a minimal account gets the documented defaults', () => {
  const r = parseAccounts({ accounts: [{ clientId: 'meter-app', secret: 'plain:pw' }] });
  assert.ok(r.ok, JSON.stringify(r));
  const [a] = r.value;
  assert.equal(a?.clientId, 'meter-app');
  assert.equal(a?.sessionLimit, 10);
  assert.equal(a?.tokenLifetimeSec, 3600);
  assert.deepEqual(a?.permissions, []);
  assert.equal(a?.secret.kind, 'plain');
});

test('a full account parses', () => {
  const r = parseAccounts({
    $comment: 'demo',
    accounts: [{
      clientId: 'ops', secret: HASH, sessionLimit: 2, tokenLifetimeSec: 600,
      permissions: [{ devices: ['SSN0013*.example.test', '*'], methods: ['GET', 'PUT', 'read', 'write', 'all'] }],
    }],
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value[0]?.secret.kind, 'scrypt');
  assert.equal(r.value[0]?.sessionLimit, 2);
  assert.equal(r.value[0]?.permissions[0]?.methods.length, 5);
});

test('errors name the field path, all of them at once', () => {
  const r = parseAccounts({
    accounts: [
      { clientId: 'a', secret: 'plain:x' },
      { clientId: 'b:c', secret: 'hunter2', sessionLimit: 0 },
      { clientId: 'd', secret: 'plain:y', tokenLifetimeSec: 1.5, sesionLimit: 3, permissions: [{ devices: ['*'], methods: ['GET', 'GTE'] }] },
      { clientId: 'a', secret: 'plain:z' },
      'nope',
    ],
    extra: true,
  });
  assert.ok(!r.ok);
  const text = r.error.join('\n');
  for (const expected of [
    'accounts[1].clientId: must be 1-128 printable ASCII characters',
    'accounts[1].secret: must be a hash',
    'accounts[1].sessionLimit: must be an integer from 1 to',
    'accounts[2].tokenLifetimeSec: must be an integer',
    'accounts[2].sesionLimit: unknown field',
    'accounts[2].permissions[0].methods[1]: unknown method "GTE"',
    'accounts[3].clientId: duplicate of accounts[0]',
    'accounts[4]: must be an object',
    'extra: unknown field',
  ]) assert.ok(text.includes(expected), `missing "${expected}" in:\n${text}`);
  assert.ok(!text.includes('hunter2'), 'a secret is never echoed');
});

test('file-level problems: bad JSON, wrong shape, oversized permissions', () => {
  const json = parseAccountsText('{ "accounts": [ }');
  assert.ok(!json.ok && json.error[0]?.startsWith('accounts file is not valid JSON'));
  assert.ok(!parseAccounts([]).ok);
  assert.ok(!parseAccounts({ accounts: {} }).ok);
  const many = Array.from({ length: 30 }, (_, i) => ({
    devices: [0, 1, 2, 3].map((j) => `SSN00135005${String(i * 4 + j).padStart(8, '0')}.example.test`),
    methods: ['all'],
  }));
  const big = parseAccounts({ accounts: [{ clientId: 'x', secret: 'plain:x', permissions: many }] });
  assert.ok(!big.ok && big.error[0]?.startsWith('accounts[0].permissions: more than 4096 characters'), JSON.stringify(big));
});
