// Engine scenario: hostile datagrams never crash or stall an endpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Code, MessageType, encode } from '../../src/coap/index.js';
import type { ServerObserver } from '../../src/engine/index.js';
import type { Logger } from '../../src/telemetry/index.js';
import { EngineWorld } from '../support/engine-world.js';
import { assertNoLeaks } from '../support/leak-check.js';
import { makeMessage } from '../support/scripted-peer.js';

test('hostile datagrams (random and mutated) never throw inside the endpoint, and it keeps serving', async () => {
  const w = new EngineWorld(3);
  const errors: unknown[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (o) => errors.push(o) };
  const server = w.endpoint({ logger, limits: { observersPerPeer: 16 } });
  const observers: ServerObserver[] = [];
  const client = w.endpoint({ logger });
  server.serve((ex) => {
    const observer = ex.observe();
    if (observer !== undefined) observers.push(observer);
    ex.respond({ code: Code.CONTENT, payload: ex.request.payload });
    observer?.notify({ code: Code.CONTENT });
  });
  const attacker = w.scripted();
  const valid = encode(
    makeMessage({ type: MessageType.CON, code: Code.GET, messageId: 1, token: Buffer.from([1, 2]), options: [{ number: 6, value: Buffer.alloc(0) }, { number: 11, value: Buffer.from('a') }], payload: 'p' }),
  );
  const mutated = fc
    .array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 })
    .map((edits) => {
      const b = Buffer.from(valid);
      for (const [i, v] of edits) b[i] = v;
      return b;
    });
  const datagram = fc.oneof(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), mutated);
  fc.assert(
    fc.property(fc.array(datagram, { maxLength: 20 }), (datagrams) => {
      for (const d of datagrams) {
        attacker.send(server.local, d);
        attacker.send(client.local, d);
      }
      w.clock.advance(5);
      return true;
    }),
    { numRuns: 300, seed: 42 },
  );
  assert.deepEqual(errors, [], 'nothing reached the catch-all error log');
  const r = await w.run(client.request(server.local, { code: Code.POST, payload: Buffer.from('still alive') }));
  assert.equal(r.payload.toString(), 'still alive');
  assert.ok(server.stats().observers <= 16, 'observers per peer are capped');
  for (const o of observers) o.end();
  await attacker.close();
  await assertNoLeaks(w.clock, client, server);
});
