// Unit tests: structural refusals of compact tokens (size, segments, base64url, alg none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCompactToken } from './compact-token.js';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const head = b64({ alg: 'EdDSA', kid: 'k1' });
const body = b64({ sub: 'a' });

test('a well-formed token parses, with surrounding white space ignored', () => {
  const r = parseCompactToken(`  ${head}.${body}.c2ln\n`, 8192);
  assert.ok(r.ok);
  assert.equal(r.value.alg, 'EdDSA');
  assert.equal(r.value.kid, 'k1');
  assert.equal(r.value.text, `${head}.${body}.c2ln`);
});

test('structural refusals carry the right reason', () => {
  const cases: Array<[string, string]> = [
    ['x'.repeat(8193), 'too-large'],
    ['', 'unparsable'],
    [`${head}.${body}`, 'unparsable'],
    [`${head}.${body}.c2ln.extra`, 'unparsable'],
    [`${head}.a.b.c.d`, 'unparsable'],
    [`${head}.${body}.c2l+`, 'unparsable'],
    [`${head}.${body}.c`, 'unparsable'],
    [`${b64([1])}.${body}.c2ln`, 'unparsable'],
    [`${b64({ kid: 'x' })}.${body}.c2ln`, 'unparsable'],
    [`${Buffer.from('{not json').toString('base64url')}.${body}.c2ln`, 'unparsable'],
    [`${head}.${Buffer.from('[]').toString('base64url')}.c2ln`, 'unparsable'],
    [`${b64({ alg: 'EdDSA', kid: 7 })}.${body}.c2ln`, 'unparsable'],
    [`${b64({ alg: 'none' })}.${body}.`, 'unsigned'],
    [`${b64({ alg: 'NONE' })}.${body}.c2ln`, 'unsigned'],
    [`${head}.${body}.`, 'unsigned'],
  ];
  for (const [token, reason] of cases) {
    const r = parseCompactToken(token, 8192);
    assert.equal(r.ok, false, token.slice(0, 60));
    if (!r.ok) assert.equal(r.error.reason, reason, `${token.slice(0, 60)}: ${r.error.message}`);
  }
});
