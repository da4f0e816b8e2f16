// EngineWorld: a fake clock, a seeded MemoryNetwork and endpoints on it, for scenario tests.
import { seededRandom, type Random } from '../../src/base/index.js';
import { createEndpoint, type Endpoint, type EndpointLimits, type Timing } from '../../src/engine/index.js';
import type { Logger } from '../../src/telemetry/index.js';
import { MemoryNetwork } from '../../src/transport/index.js';
import { FakeClock } from './fake-clock.js';
import { ScriptedPeer } from './scripted-peer.js';

/** A Random whose float() is fixed, so retransmission timeouts are exact (0 -> ACK_TIMEOUT). */
export function fixedFloatRandom(value: number, seed = 1): Random {
  const base = seededRandom(seed);
  return { float: () => value, int: (a, b) => base.int(a, b), bytes: (n) => base.bytes(n) };
}

export class EngineWorld {
  readonly clock = new FakeClock();
  readonly network: MemoryNetwork;
  private nextHost = 1;

  constructor(seed = 1) {
    this.network = new MemoryNetwork(this.clock, seededRandom(seed));
  }

  endpoint(
    options: { host?: string; port?: number; timing?: Partial<Timing>; limits?: Partial<EndpointLimits>; random?: Random; logger?: Logger } = {},
  ): Endpoint {
    const transport = this.network.bind(options.host ?? `10.0.0.${this.nextHost++}`, options.port ?? 0);
    return createEndpoint({
      transport,
      clock: this.clock,
      random: options.random ?? fixedFloatRandom(0, this.nextHost),
      ...(options.timing !== undefined ? { timing: options.timing } : {}),
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
  }

  scripted(host = `10.0.9.${this.nextHost++}`): ScriptedPeer {
    return new ScriptedPeer(this.network, this.clock, host);
  }

  /** Runs the fake clock until the promise settles and returns it. */
  run<T>(promise: Promise<T>, limitMs?: number): Promise<T> {
    return this.clock.runUntilSettled(promise, limitMs);
  }

  /** Advances the clock, letting promise continuations run in between. */
  advance(ms: number): Promise<void> {
    return this.clock.advanceAsync(ms);
  }
}
