// Gateway memory guards (issue #8): a subscriber keeps nothing of its registration datagram, and the relay's
// silence deadlines share one clock timer however many observations there are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Code, OptionNumber, decode, getUintOption, type Message } from '../../src/coap/index.js';
import type { ClientObservation, Endpoint } from '../../src/engine/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function observe(w: GatewayWorld, c: Endpoint, token: string, query?: string): { obs: ClientObservation; got: Message[] } {
  const got: Message[] = [];
  const req = w.proxied(query === undefined ? '/time' : `/time?${query}`);
  const obs = c.observe(GATEWAY, { options: req.options ?? [], token: Buffer.from(token) }, { onNotification: (m) => got.push(m) });
  return { obs, got };
}

test('a subscriber keeps no part of its registration datagram (RFC 7641 §5 relay, issue #8)', async () => {
  // Every datagram the network copies gets its own ArrayBuffer, so a kept view of one would keep it alive.
  const poolSize = Buffer.poolSize;
  Buffer.poolSize = 0;
  try {
    const w = await GatewayWorld.create();
    const a = w.client();
    const b = w.client();
    await w.login(a, 'all:alice');
    await w.login(b, 'all:bob');
    const registrations: Array<WeakRef<ArrayBufferLike>> = [];
    const stop = w.network.tap((d) => {
      const m = decode(d.data);
      if (m.ok && d.to.address === GATEWAY.address && m.value.code === Code.GET && getUintOption(m.value, OptionNumber.OBSERVE) === 0) {
        registrations.push(new WeakRef(d.data.buffer));
      }
      return undefined;
    });
    const oa = observe(w, a, 'tokA');
    await w.run(oa.obs.first);
    const ob = observe(w, b, 'tokB');
    await w.run(ob.obs.first);
    await w.clock.advanceAsync(11_000);
    stop();
    assert.equal(registrations.length, 2);
    assert.equal(w.gateway.stats().subscribers, 2);
    assert.ok(oa.got.length >= 3 && ob.got.length >= 3, 'both subscriptions are live');
    await new Promise((r) => setImmediate(r));
    gc();
    gc();
    registrations.forEach((r, i) => assert.equal(r.deref(), undefined, `registration ${i + 1}'s datagram is still referenced`));
    await w.run(oa.obs.cancel('proactive'));
    await w.run(ob.obs.cancel('proactive'));
    await w.leakCheck();
  } finally {
    Buffer.poolSize = poolSize;
  }
});

test('observations share one silence timer: clock timers do not grow with observations (issue #8)', async () => {
  const w = await GatewayWorld.create();
  const a = w.client();
  await w.login(a);
  const all = [observe(w, a, 'tok1', 'v=1')];
  await w.run((all[0] as { obs: ClientObservation }).obs.first);
  const timersWithOne = w.clock.pendingTimers;
  for (let i = 2; i <= 6; i++) {
    const o = observe(w, a, `tok${i}`, `v=${i}`);
    all.push(o);
    await w.run(o.obs.first);
  }
  assert.equal(w.gateway.stats().observations, 6, 'six upstream observations (the query selects the representation)');
  assert.equal(w.device(0).observerCount('/time'), 6);
  assert.equal(w.clock.pendingTimers, timersWithOne, 'no clock timer per observation');
  await w.clock.advanceAsync(11_000);
  for (const o of all) assert.ok(o.got.length >= 2);
  for (const o of all) await w.run(o.obs.cancel('proactive'));
  await w.leakCheck();
});
