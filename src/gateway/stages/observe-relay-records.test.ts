// Tests of the relay's records: the latest representation kept encoded, byte-exact, only while Max-Age allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, OptionNumber, makeOptions } from '../../coap/index.js';
import type { ServerExchange } from '../../engine/index.js';
import type { UpstreamRequest } from '../translate.js';
import { Observation, Subscriber, type RelayHooks } from './observe-relay-records.js';

const hooks: RelayHooks = { subscriberEnded: () => undefined, notification: () => undefined, upstreamEnded: () => undefined, silence: () => undefined };
const request = { type: 0, code: Code.GET, options: [], payload: Buffer.alloc(0) } as unknown as UpstreamRequest;
const observation = (): Observation => new Observation(hooks, 'k', 'ssn1.example.test', { address: '10.0.0.1', port: 5683 }, request, {} as ServerExchange);

test('the latest representation comes back byte-exact while fresh, and not after Max-Age', () => {
  const obs = observation();
  const options = makeOptions([[OptionNumber.ETAG, Buffer.from([1, 2])], [OptionNumber.CONTENT_FORMAT, 0], [OptionNumber.MAX_AGE, 30], [65000, Buffer.from('unknown')]]);
  const payload = Buffer.from([0, 255, 128, 10]);
  obs.setLatest({ code: Code.CONTENT, options, payload }, 1000, 30_000);
  const got = obs.freshLatest(30_999);
  assert.ok(got !== undefined);
  assert.equal(got.code, Code.CONTENT);
  assert.deepEqual(got.options.map((o) => [o.number, [...o.value]]), options.map((o) => [o.number, [...o.value]]));
  assert.deepEqual(got.payload, payload);
  assert.equal(obs.freshLatest(31_000), undefined, 'stale at Max-Age');
});

test('a representation with Max-Age 0 is never kept (no late joiner could use it)', () => {
  const obs = observation();
  obs.setLatest({ code: Code.CONTENT, options: [], payload: Buffer.from('a') }, 0, 60_000);
  assert.ok(obs.freshLatest(1) !== undefined);
  obs.setLatest({ code: Code.CONTENT, options: [], payload: Buffer.from('b') }, 10, 0);
  assert.equal(obs.freshLatest(10), undefined, 'and the older one is dropped too');
});

test('a subscriber reports its end to the relay through its observation, and reads its client key', () => {
  const ended: Subscriber[] = [];
  const obs = new Observation({ ...hooks, subscriberEnded: (s) => ended.push(s) }, 'k', 'h', { address: '10.0.0.1', port: 1 }, request, {} as ServerExchange);
  const sub = new Subscriber({ key: '127.0.0.1:4000', subs: new Set() }, obs);
  assert.equal(sub.clientKey, '127.0.0.1:4000');
  sub.observerEnded('reset');
  assert.deepEqual(ended, [sub]);
});
