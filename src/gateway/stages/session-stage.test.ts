// Tests of the session stage: the caller's session and compiled permissions, one compiled set per permissions value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Session, SessionService } from '../../sessions/index.js';
import { SessionStage } from './session-stage.js';

function sessionOn(clientKey: string, permissions: unknown): Session {
  return { id: `id-${clientKey}`, account: 'acct', clientKey, sticky: false, createdAtMs: 0, lastActivityMs: 0, expiresAtMs: 1e13, tokenId: 't', permissions };
}

function serviceOf(sessions: readonly Session[], failing = false): SessionService {
  const byKey = new Map(sessions.map((s) => [s.clientKey, s]));
  return {
    lookup: (key: string) => (failing ? Promise.reject(new Error('down')) : Promise.resolve(byKey.get(key))),
  } as unknown as SessionService;
}

test('sessions holding one permissions value share one compiled set (issue #8: not one per session)', async () => {
  const shared = Object.freeze([Object.freeze({ devices: Object.freeze(['SSN*.example.test']), methods: Object.freeze(['GET']) })]);
  const other = [{ devices: ['*'], methods: ['all'] }];
  const stage = new SessionStage(serviceOf([sessionOn('a:1', shared), sessionOn('b:2', shared), sessionOn('c:3', other)]));
  const a = await stage.require('a:1');
  const b = await stage.require('b:2');
  const c = await stage.require('c:3');
  assert.ok(a.ok && b.ok && c.ok);
  assert.equal(a.value.permissions, b.value.permissions);
  assert.notEqual(a.value.permissions, c.value.permissions);
  assert.ok(a.value.permissions.allows('ssn0013aabb.example.test', 1), 'GET to a matching device');
  assert.ok(!a.value.permissions.allows('ssn0013aabb.example.test', 3), 'no PUT');
  assert.ok(c.value.permissions.allows('anything.example.test', 4));
});

test('permissions that are not rules grant nothing; no session is 4.01, a dead store 5.03', async () => {
  const stage = new SessionStage(serviceOf([sessionOn('a:1', null), sessionOn('b:2', [{ devices: 'x' }])]));
  for (const key of ['a:1', 'b:2']) {
    const p = await stage.require(key);
    assert.ok(p.ok && !p.value.permissions.allows('ssn1.example.test', 1), key);
  }
  const none = await stage.require('z:9');
  assert.ok(!none.ok && none.error.kind === 'no-session');
  const down = await new SessionStage(serviceOf([], true)).require('a:1');
  assert.ok(!down.ok && down.error.kind === 'overloaded');
});
