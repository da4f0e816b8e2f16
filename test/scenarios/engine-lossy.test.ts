// Engine scenario: request/response over a lossy, slow link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code } from '../../src/coap/index.js';
import { EngineWorld } from '../support/engine-world.js';
import { assertNoLeaks } from '../support/leak-check.js';

test('30% loss both ways, 200 ms each way: retransmission delivers, dedup keeps every request processed once', async () => {
  const w = new EngineWorld(11);
  const server = w.endpoint();
  const client = w.endpoint({ timing: { nstart: 4 } });
  w.network.setPath(server.local.address, client.local.address, { delayMs: 200, loss: 0.3 });
  const handled = new Map<string, number>();
  server.serve((ex) => {
    const key = ex.request.payload.toString();
    handled.set(key, (handled.get(key) ?? 0) + 1);
    // Half answer at once (piggybacked), half late (separate CON response).
    if (Number(key) % 2 === 0) ex.respond({ code: Code.CHANGED, payload: ex.request.payload });
    else w.clock.setTimer(() => ex.respond({ code: Code.CHANGED, payload: ex.request.payload }), 1500);
  });
  const results = await w.run(
    Promise.allSettled(Array.from({ length: 40 }, (_, i) => client.request(server.local, { code: Code.POST, payload: Buffer.from(String(i)) }))),
  );
  const ok = results.filter((r) => r.status === 'fulfilled');
  assert.ok(ok.length >= 36, `most requests succeed despite loss (${ok.length}/40)`);
  for (const r of ok) assert.equal(r.value.code, Code.CHANGED);
  for (const [key, n] of handled) assert.equal(n, 1, `request ${key} handled ${n} times`);
  assert.ok(w.network.counters.lost > 10, 'the link really lost datagrams');
  await assertNoLeaks(w.clock, client, server);
});
