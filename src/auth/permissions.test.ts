// Unit tests: permission parsing with field paths, host patterns and the compiled matcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePermissions, parsePermissions, type PermissionRule } from './permissions.js';
import { checkHostPattern } from './host-pattern.js';

const GET = 1, POST = 2, PUT = 3, DELETE = 4, FETCH = 5, PATCH = 6, IPATCH = 7;

function compiled(rules: PermissionRule[]) {
  const parsed = parsePermissions(rules);
  assert.ok(parsed.ok, `rules should parse: ${JSON.stringify(parsed)}`);
  return compilePermissions(parsed.value);
}

test('a prefix pattern allows only matching devices, case-insensitively', () => {
  const set = compiled([{ devices: ['SSN0013*.example.test'], methods: ['GET'] }]);
  assert.equal(set.allows('SSN001350050005E7D6.example.test', GET), true);
  assert.equal(set.allows('ssn001350050005e7d6.EXAMPLE.test', GET), true);
  assert.equal(set.allows('SSN001350050005E7D6.example.test.', GET), true, 'trailing root dot');
  assert.equal(set.allows('SSN0014AAAA.example.test', GET), false);
  assert.equal(set.allows('SSN0013AAAA.example.test.evil', GET), false, 'anchored at the end');
  assert.equal(set.allows('xSSN0013AAAA.example.test', GET), false, 'anchored at the start');
  assert.equal(set.allows('SSN0013AAAA.example.test', PUT), false, 'method not granted');
});

test('read, write and all groups map to the right method codes', () => {
  const read = compiled([{ devices: ['*'], methods: ['read'] }]);
  assert.deepEqual([GET, POST, PUT, DELETE, FETCH, PATCH, IPATCH].map((m) => read.allows('d', m)), [true, false, false, false, true, false, false]);
  const write = compiled([{ devices: ['*'], methods: ['write'] }]);
  assert.deepEqual([GET, POST, PUT, DELETE, FETCH, PATCH, IPATCH].map((m) => write.allows('d', m)), [false, true, true, true, false, true, true]);
  const all = compiled([{ devices: ['*'], methods: ['all'] }]);
  assert.ok([GET, POST, PUT, DELETE, FETCH, PATCH, IPATCH].every((m) => all.allows('any.host', m)));
  assert.equal(all.allows('d', 0), false, 'code 0 is not a method');
  assert.equal(all.allows('d', 8), false);
  assert.equal(all.allows('d', 1.5), false);
});

test('method words are case-insensitive and combine across rules', () => {
  const set = compiled([
    { devices: ['*.a.test'], methods: ['get', 'iPatch'] },
    { devices: ['meter1.b.test', 'meter2.b.test'], methods: ['DELETE'] },
  ]);
  assert.equal(set.allows('x.a.test', GET), true);
  assert.equal(set.allows('x.y.a.test', IPATCH), true, '* crosses dots');
  assert.equal(set.allows('x.a.test', DELETE), false);
  assert.equal(set.allows('meter2.b.test', DELETE), true);
  assert.equal(set.allows('meter3.b.test', DELETE), false);
  // asked twice: the memo must give the same answer
  assert.equal(set.allows('meter3.b.test', DELETE), false);
  assert.equal(set.allows('meter2.b.test', DELETE), true);
});

test('no rules: nothing is allowed', () => {
  const set = compilePermissions([]);
  assert.equal(set.allows('SSN1.example.test', GET), false);
});

test('errors name the field path', () => {
  const r = parsePermissions([{ devices: ['*'], methods: ['GET', 'GTE'] }, { devices: [], methods: 'GET', extra: 1 }], 'accounts[2].permissions');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.ok(r.error.some((e) => e.startsWith('accounts[2].permissions[0].methods[1]: unknown method "GTE"')), r.error.join('\n'));
  assert.ok(r.error.includes('accounts[2].permissions[1].devices: must list at least one entry'), r.error.join('\n'));
  assert.ok(r.error.includes('accounts[2].permissions[1].methods: must be an array of strings'), r.error.join('\n'));
  assert.ok(r.error.some((e) => e.startsWith('accounts[2].permissions[1].extra: unknown field')), r.error.join('\n'));
  assert.deepEqual(parsePermissions('x').ok, false);
  const badPattern = parsePermissions([{ devices: ['bad host!'], methods: ['GET'] }]);
  assert.ok(!badPattern.ok && badPattern.error[0]?.startsWith('permissions[0].devices[0]: device pattern'));
});

test('host patterns: bad characters and wildcard floods are refused', () => {
  assert.equal(checkHostPattern('SSN*.example.test').ok, true);
  assert.equal(checkHostPattern('[::1]').ok, true);
  assert.equal(checkHostPattern('').ok, false);
  assert.equal(checkHostPattern('a/b').ok, false);
  assert.equal(checkHostPattern('*a*b*c*d*e*f*g*h*i').ok, false);
});

test('compilePermissions fails closed on unvalidated input and freezes its rules', () => {
  const set = compilePermissions([{ devices: ['bad host!', 'ok.test'], methods: ['NOPE', 'GET'] }]);
  assert.equal(set.allows('ok.test', GET), true);
  assert.equal(set.allows('bad host!', GET), false);
  assert.equal(set.allows('ok.test', POST), false);
  assert.ok(Object.isFrozen(set.rules));
});

test('compilePermissions takes raw JSON (e.g. from a session store) or a compiled set', () => {
  const raw: unknown = JSON.parse('[{"devices":["*.x.test", 7],"methods":["read"]}, "junk", {"devices":"*"}]');
  const set = compilePermissions(raw);
  assert.equal(set.allows('a.x.test', GET), true);
  assert.equal(set.allows('a.x.test', POST), false);
  assert.equal(set.allows('a.y.test', GET), false);
  assert.equal(compilePermissions(set), set, 'an already compiled set is returned as is');
  assert.equal(compilePermissions(undefined).allows('a.x.test', GET), false);
  assert.equal(compilePermissions({ devices: ['*'], methods: ['all'] }).allows('a', GET), false, 'not an array: nothing');
  const again = compilePermissions(JSON.parse(JSON.stringify(set.rules)) as unknown);
  assert.equal(again.allows('b.x.test', FETCH), true, 'rules survive a JSON round trip');
});
