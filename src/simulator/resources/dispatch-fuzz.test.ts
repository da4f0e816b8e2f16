// Property test: dispatch answers every request, however hostile, with a response code and never throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seededRandom } from '../../base/index.js';
import { MessageType, isResponseCode, type CoapOption, type Message } from '../../coap/index.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { createIdentities } from '../device-identity.js';
import { PLUGTEST_TABLE } from '../device-profiles.js';
import { dispatch } from './dispatch.js';
import { isDeferred } from './resource.js';
import { createStandaloneContext } from './standalone-context.js';

const paths = ['time', 'gpio', 'fw', 'meter', 'profile', 'register', 'nic', 'info', '.well-known', 'core', 'obs', 'large-create', 'large-post', 'validate', 'slow', 'x'];

const option = fc.oneof(
  // Uri-Path segments that hit real resources, so handlers see hostile options and bodies.
  fc.constantFrom(...paths).map((p): CoapOption => ({ number: 11, value: Buffer.from(p) })),
  fc.record({
    number: fc.oneof(fc.constantFrom(1, 3, 4, 5, 6, 7, 12, 14, 15, 17, 23, 27, 28, 60, 252, 258, 292), fc.integer({ min: 0, max: 65535 })),
    value: fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
  }),
);

const message = fc.record({
  code: fc.integer({ min: 1, max: 31 }),
  options: fc.array(option, { maxLength: 8 }).map((o) => [...o].sort((a, b) => a.number - b.number)),
  payload: fc.oneof(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), fc.string().map((s) => Buffer.from(s))),
});

test('dispatch never throws and always answers with a response code, whatever the request', () => {
  const clock = new FakeClock();
  const [identity] = createIdentities({ count: 1, domain: 'mesh.test', random: seededRandom(1) });
  const ctx = createStandaloneContext({ identity: identity!, table: PLUGTEST_TABLE, clock, random: seededRandom(2) });
  fc.assert(
    fc.property(message, (m) => {
      const request: Message = { type: MessageType.CON, code: m.code, messageId: 1, token: Buffer.alloc(0), options: m.options, payload: m.payload };
      const { outcome } = dispatch(request, { address: '127.0.0.1', port: 1 }, ctx, PLUGTEST_TABLE);
      const response = isDeferred(outcome) ? outcome.produce() : outcome;
      assert.ok(isResponseCode(response.code), `code ${response.code}`);
    }),
    { numRuns: 3000, seed: 4 },
  );
});
