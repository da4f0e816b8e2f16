// Runs the store contract on the memory store (both "instances" share one store, as in one process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from './memory-store.js';
import { makeSession, sessionStoreContract } from '../session-store.contract.js';

sessionStoreContract('memory', async () => {
  const store = createMemoryStore();
  return { a: store, b: store, close: async () => undefined };
});

test('memory store hands out copies: changing a returned session does not change the store', async () => {
  const store = createMemoryStore();
  const s = makeSession();
  await store.put(s);
  const got = (await store.getById(s.id)) as { lastActivityMs: number };
  got.lastActivityMs = 0;
  assert.equal((await store.getById(s.id))?.lastActivityMs, s.lastActivityMs);
});
