// Tests of SharedValues: one frozen copy per JSON value, the caller's object left alone, bounded tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedValues } from './shared-values.js';

test('equal JSON values share one deep-frozen copy; the caller keeps its own object', () => {
  const shared = new SharedValues();
  const mine = [{ devices: ['SSN*.example.test'], methods: ['GET'] }];
  const a = shared.value(JSON.stringify(mine));
  const b = shared.value(JSON.stringify([{ devices: ['SSN*.example.test'], methods: ['GET'] }]));
  assert.equal(a, b, 'one object for equal permissions');
  assert.notEqual(a, mine);
  assert.deepEqual(a, mine);
  assert.ok(Object.isFrozen(a));
  assert.ok(Object.isFrozen((a as Array<{ devices: string[] }>)[0]?.devices));
  assert.ok(!Object.isFrozen(mine), 'the caller object is not frozen under it');
  assert.notEqual(shared.value('[]'), a);
  assert.equal(shared.value('null'), null);
});

test('strings are interned by content; a flood of distinct values restarts the table instead of growing it', () => {
  const shared = new SharedValues(3);
  assert.equal(shared.string('alice'), 'alice');
  for (let i = 0; i < 10; i++) assert.equal(shared.string(`acct-${i}`), `acct-${i}`);
  const first = shared.value('{"a":1}');
  for (let i = 0; i < 10; i++) shared.value(`{"n":${i}}`);
  const again = shared.value('{"a":1}');
  assert.deepEqual(again, first);
  assert.notEqual(again, first, 'forgotten after the table restarted (bounded)');
});
