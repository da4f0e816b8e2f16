// Leak check: after every exchange lifetime has passed, endpoints hold no state and the clock no timers.
import assert from 'node:assert/strict';
import type { Endpoint, EndpointStats } from '../../src/engine/index.js';
import type { FakeClock } from './fake-clock.js';

const IDLE: EndpointStats = {
  peers: 0,
  exchanges: 0,
  clientExchanges: 0,
  serverExchanges: 0,
  transmissions: 0,
  dedupEntries: 0,
  timers: 0,
  observers: 0,
  observations: 0,
  queued: 0,
};

/** Asserts an endpoint is idle now (no waiting for lifetimes). */
export function assertIdle(endpoint: Endpoint, label = 'endpoint'): void {
  assert.deepEqual(endpoint.stats(), IDLE, `${label} still holds state`);
}

/**
 * Lets EXCHANGE_LIFETIME pass (dedup entries and message-ID retention expire), asserts every endpoint
 * is back to zero, closes them and asserts the fake clock has no timer left.
 */
export async function assertNoLeaks(clock: FakeClock, ...endpoints: Endpoint[]): Promise<void> {
  const lifetime = Math.max(0, ...endpoints.map((e) => e.timing.exchangeLifetimeMs));
  await clock.advanceAsync(lifetime + 1);
  endpoints.forEach((e, i) => assertIdle(e, `endpoint ${i}`));
  for (const e of endpoints) await e.close();
  assert.equal(clock.pendingTimers, 0, 'timers left on the clock');
}
