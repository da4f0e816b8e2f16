// Fleet: creates many devices on their own loopback addresses, with a mesh model and DNS records.
import type { Clock, Random } from '../base/index.js';
import type { Timing } from '../engine/index.js';
import type { Logger } from '../telemetry/index.js';
import type { DatagramTransport } from '../transport/index.js';
import { createIdentities, type DeviceIdentity } from './device-identity.js';
import { NIC_TABLE, PLUGTEST_TABLE } from './device-profiles.js';
import { Device } from './device.js';
import type { LinkQuality } from './mesh-transport.js';
import { DEFAULT_DEVICE_CONFIG, type DeviceConfig } from './resources/resource.js';

export type BindTransport = (address: string, port: number) => Promise<DatagramTransport>;

export interface FleetOptions {
  /** NICs (port 5683). */
  readonly count: number;
  /** milliNICs (port 4849), after the NICs. Default 0. */
  readonly milliNicCount?: number;
  readonly domain: string;
  readonly bindTransport: BindTransport;
  readonly clock: Clock;
  /** Seeded in tests and runs: MACs and hop counts repeat. */
  readonly random: Random;
  /** The devices' own randomness (message IDs, tokens, jitter and loss draws); default `random`. */
  readonly deviceRandom?: Random;
  /** Mean one-way delay per radio hop, ms (default 0). */
  readonly delayMs?: number;
  /** Jitter per hop, ms: each datagram gets delay ± jitter (default 0). */
  readonly jitterMs?: number;
  /** Loss probability per datagram and direction (default 0). */
  readonly lossRate?: number;
  /** Each device is 1..maxHops radio hops away (drawn from `random`); delay and jitter scale with hops. Default 1. */
  readonly maxHops?: number;
  /** The first N devices also carry the ETSI plugtest resources (default 0). */
  readonly plugtestCount?: number;
  readonly config?: Partial<DeviceConfig>;
  readonly timing?: Partial<Timing>;
  readonly logger?: Logger;
  /** Address of the first device: 0 = 127.1.0.1 (see loopbackAddress); lets fleets live side by side. */
  readonly firstAddressIndex?: number;
  /** Sockets bound at once while starting (default 256). */
  readonly bindConcurrency?: number;
}

/** One A record for the mesh DNS (the simulator's addresses are IPv4 loopback). */
export interface DeviceRecord {
  readonly name: string;
  readonly address: string;
}

export interface Fleet {
  readonly devices: readonly Device[];
  readonly records: readonly DeviceRecord[];
  /** Case-insensitive lookup by host name (RFC 4343). */
  byName(name: string): Device | undefined;
  byAddress(address: string): Device | undefined;
  stop(): Promise<void>;
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T;
      try {
        await run(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

export function hopLink(hops: number, options: FleetOptions): LinkQuality {
  return { delayMs: (options.delayMs ?? 0) * hops, jitterMs: (options.jitterMs ?? 0) * hops, lossRate: options.lossRate ?? 0 };
}

export async function createFleet(options: FleetOptions): Promise<Fleet> {
  if (!Number.isInteger(options.count) || options.count < 0) throw new RangeError('count must be a non-negative integer');
  const millis = options.milliNicCount ?? 0;
  if (!Number.isInteger(millis) || millis < 0) throw new RangeError('milliNicCount must be a non-negative integer');
  const lossRate = options.lossRate ?? 0;
  if (!(lossRate >= 0 && lossRate <= 1)) throw new RangeError('lossRate must be in [0, 1]');
  const identities = createIdentities({
    count: options.count,
    milliNicCount: millis,
    domain: options.domain,
    random: options.random,
    ...(options.firstAddressIndex === undefined ? {} : { firstAddressIndex: options.firstAddressIndex }),
  });
  const maxHops = Math.max(1, Math.floor(options.maxHops ?? 1));
  const hops = identities.map(() => (maxHops === 1 ? 1 : options.random.int(1, maxHops + 1)));
  const plain: DeviceConfig = { ...DEFAULT_DEVICE_CONFIG, ...options.config, plugtest: false };
  const plugtest: DeviceConfig = { ...plain, plugtest: true };
  const plugtestCount = options.plugtestCount ?? 0;

  const devices: Array<Device | undefined> = new Array(identities.length);
  const start = async (identity: DeviceIdentity): Promise<void> => {
    const transport = await options.bindTransport(identity.address, identity.port);
    const withPlugtest = identity.index < plugtestCount;
    devices[identity.index] = new Device({
      identity,
      transport,
      table: withPlugtest ? PLUGTEST_TABLE : NIC_TABLE,
      config: withPlugtest ? plugtest : plain,
      clock: options.clock,
      random: options.deviceRandom ?? options.random,
      link: hopLink(hops[identity.index] ?? 1, options),
      ...(options.timing === undefined ? {} : { timing: options.timing }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  };
  const concurrency = options.bindConcurrency ?? 256;
  try {
    await inBatches(identities, concurrency, start);
  } catch (error) {
    await inBatches(devices.filter((d): d is Device => d !== undefined), concurrency, (d) => d.close());
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`fleet: could not bind every device (${why})`);
  }
  const list = devices as Device[];
  const names = new Map(list.map((d) => [d.identity.name.toLowerCase(), d] as const));
  const addresses = new Map(list.map((d) => [d.identity.address, d] as const));
  let stopped: Promise<void> | undefined;
  return {
    devices: list,
    records: list.map((d) => ({ name: d.identity.name, address: d.identity.address })),
    byName: (name) => names.get(name.toLowerCase().replace(/\.$/, '')),
    byAddress: (address) => addresses.get(address),
    stop: () => (stopped ??= inBatches(list, concurrency, (d) => d.close())),
  };
}
