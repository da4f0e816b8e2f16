// Scenario harness for the mesh simulator: a fleet on a MemoryNetwork, a client endpoint, all on a FakeClock.
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/base/index.js';
import { MessageType, OptionNumber, makeOptions, type Message } from '../../src/coap/index.js';
import { createEndpoint, type Endpoint } from '../../src/engine/index.js';
import { createFleet, type Device, type Fleet, type FleetOptions } from '../../src/simulator/index.js';
import { MemoryNetwork } from '../../src/transport/index.js';
import { FakeClock } from '../support/fake-clock.js';

export type Entry = readonly [number, Buffer | string | number];

export interface Scenario {
  readonly clock: FakeClock;
  readonly network: MemoryNetwork;
  readonly fleet: Fleet;
  readonly client: Endpoint;
  readonly device: Device;
  /** Sends a request to a device ("/a/b?q=1") and lets time run until it settles (at most maxMs). */
  request(code: number, uri: string, extra?: readonly Entry[], payload?: Buffer | string, opts?: RequestExtras): Promise<Message>;
  /** Runs the clock until `p` settles or `maxMs` passed; rejects if it did not settle. */
  settle<T>(p: Promise<T>, maxMs?: number): Promise<T>;
  /** Lets EXCHANGE_LIFETIME pass, checks client and devices are idle, stops everything, checks no timer is left. */
  finish(): Promise<void>;
}

export interface RequestExtras {
  readonly device?: Device;
  readonly type?: 0 | 1;
  readonly maxMs?: number;
  readonly token?: Buffer;
}

export function uriOptions(uri: string, extra: readonly Entry[] = []): Entry[] {
  const [path = '', query] = uri.split('?', 2);
  const entries: Entry[] = [...extra];
  for (const s of path.split('/').slice(1)) if (s !== '') entries.push([OptionNumber.URI_PATH, s]);
  if (query !== undefined) for (const q of query.split('&')) entries.push([OptionNumber.URI_QUERY, q]);
  return entries;
}

export async function startScenario(options: Partial<Omit<FleetOptions, 'bindTransport' | 'clock'>> = {}): Promise<Scenario> {
  const clock = new FakeClock();
  const network = new MemoryNetwork(clock, seededRandom(11));
  const fleet = await createFleet({
    count: 2,
    domain: 'mesh.test',
    random: seededRandom(42),
    plugtestCount: 1,
    ...options,
    clock,
    bindTransport: (address, port) => Promise.resolve(network.bind(address, port)),
  });
  const client = createEndpoint({ transport: network.bind('127.0.0.1', 0), clock, random: seededRandom(7) });
  const device = fleet.devices[0]!;

  const settle = async <T>(p: Promise<T>, maxMs = 600_000): Promise<T> => {
    let done = false;
    const watched = p.finally(() => {
      done = true;
    });
    watched.catch(() => undefined);
    const end = clock.now() + maxMs;
    while (!done && clock.now() < end) await clock.advanceAsync(Math.min(50, end - clock.now()));
    assert.ok(done, `did not settle within ${maxMs} ms`);
    return watched;
  };

  return {
    clock,
    network,
    fleet,
    client,
    device,
    settle,
    request: (code, uri, extra = [], payload = '', opts = {}) =>
      settle(
        client.request((opts.device ?? device).address, {
          code,
          type: opts.type ?? MessageType.CON,
          options: makeOptions(uriOptions(uri, extra)),
          payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
          ...(opts.token === undefined ? {} : { token: opts.token }),
        }),
        opts.maxMs,
      ),
    finish: async () => {
      await clock.advanceAsync(client.timing.exchangeLifetimeMs + 1);
      const idle = { exchanges: 0, transmissions: 0, observers: 0, observations: 0, queued: 0 };
      const pick = (e: Endpoint | Device) => {
        const s = e.stats();
        return { exchanges: s.exchanges, transmissions: s.transmissions, observers: s.observers, observations: s.observations, queued: s.queued };
      };
      assert.deepEqual(pick(client), idle, 'client still holds state');
      for (const d of fleet.devices) {
        assert.deepEqual(pick(d), idle, `${d.identity.name} still holds state`);
        assert.equal(d.observerCount(), 0, `${d.identity.name} still has observers`);
      }
      await client.close();
      await fleet.stop();
      assert.equal(network.pendingDeliveries, 0, 'datagrams still travelling');
      assert.equal(clock.pendingTimers, 0, 'timers left on the clock');
    },
  };
}

export const text = (m: Message): string => m.payload.toString('utf8');
