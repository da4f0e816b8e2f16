// Scenario: how much mesh traffic the response cache saves when many apps poll a few meters (issue #6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, decode } from '../../src/coap/index.js';
import { GATEWAY, GatewayWorld } from './gateway-world.js';

const CLIENTS = 20;
const DEVICES = 3;
const SECONDS = 60;
const PATHS = ['/time', '/gpio', '/meter/register'];

/** Polls like a dashboard fleet: every client GETs one resource of one device once a second. */
async function poll(cache: boolean): Promise<{ clientRequests: number; deviceRequests: number; ok: number }> {
  const w = await GatewayWorld.create({ devices: DEVICES, settings: { cacheEnabled: cache } });
  const addresses = new Set(Array.from({ length: DEVICES }, (_, i) => w.device(i).identity.address));
  let deviceRequests = 0;
  const stop = w.network.tap((d) => {
    if (!addresses.has(d.to.address)) return undefined;
    const m = decode(d.data);
    if (m.ok && m.value.code >= 1 && m.value.code <= 31) deviceRequests++;
    return undefined;
  });
  const clients = Array.from({ length: CLIENTS }, () => w.client());
  for (const [i, c] of clients.entries()) await w.login(c, `all:app${i}`);
  let clientRequests = 0;
  let ok = 0;
  for (let s = 0; s < SECONDS; s++) {
    const round = clients.map((c, i) => {
      clientRequests++;
      return c.request(GATEWAY, w.proxied(PATHS[i % PATHS.length]!, { device: i % DEVICES }));
    });
    const answers = await w.run(Promise.all(round));
    ok += answers.filter((a) => a.code === Code.CONTENT).length;
    await w.clock.advanceAsync(1000, 100);
  }
  stop();
  await w.leakCheck();
  return { clientRequests, deviceRequests, ok };
}

test('the cache answers most of a polling fleet without touching the mesh (and every answer is still 2.05)', async (t) => {
  const cached = await poll(true);
  const uncached = await poll(false);
  assert.equal(cached.ok, cached.clientRequests);
  assert.equal(uncached.ok, uncached.clientRequests);
  assert.equal(uncached.deviceRequests, uncached.clientRequests, 'without the cache every request reaches a device');
  const avoided = 1 - cached.deviceRequests / cached.clientRequests;
  t.diagnostic(
    `cache savings: ${cached.clientRequests} client requests -> ${cached.deviceRequests} device requests ` +
      `(${(avoided * 100).toFixed(1)}% of mesh requests avoided; ${CLIENTS} clients, ${DEVICES} devices, ${SECONDS} s)`,
  );
  assert.ok(avoided > 0.8, `expected the cache to avoid most mesh requests, avoided ${(avoided * 100).toFixed(1)}%`);
});
