// startSimulator: the mesh simulator's composition root: a fleet on real UDP loopback sockets and its DNS server.
import { writeFile } from 'node:fs/promises';
import { pino } from 'pino';
import { cryptoRandom, seededRandom, systemClock, type Clock, type Random } from '../base/index.js';
import {
  createDnsZone,
  createFleet,
  startDnsServer,
  type DnsZone,
  type Fleet,
  type RunningDnsServer,
} from '../simulator/index.js';
import type { Logger } from '../telemetry/index.js';
import { bindUdp } from '../transport/index.js';

export interface StartSimulatorOptions {
  /** NICs (port 5683). */
  readonly devices: number;
  /** milliNICs (port 4849). Default 0. */
  readonly milliNics?: number;
  readonly domain: string;
  /** DNS server address (default 127.0.0.1) and port (default 0: a free one). */
  readonly dnsHost?: string;
  readonly dnsPort?: number;
  /** TTL of the device records, seconds (default 300). */
  readonly ttlSec?: number;
  /** Mesh model: one-way delay and jitter per hop (ms), loss per datagram and direction, hops 1..maxHops. */
  readonly delayMs?: number;
  readonly jitterMs?: number;
  readonly lossRate?: number;
  readonly maxHops?: number;
  /** Seed of the MACs and hop counts, so runs repeat (default 1). */
  readonly seed?: number;
  /** The first N devices carry the ETSI plugtest resources (default 0). */
  readonly plugtest?: number;
  readonly observePeriodMs?: number;
  /** Address of the first device: 0 = 127.1.0.1 (default), 254 = 127.1.1.1, ... */
  readonly firstAddressIndex?: number;
  /** Also write the records in /etc/hosts form here (for `dnsmasq --addn-hosts`). */
  readonly hostsFile?: string;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export interface RunningSimulator {
  readonly fleet: Fleet;
  readonly zone: DnsZone;
  readonly dns: RunningDnsServer;
  /** Milliseconds it took to bind every device. */
  readonly startMs: number;
  close(): Promise<void>;
}

export async function startSimulator(options: StartSimulatorOptions): Promise<RunningSimulator> {
  const clock = options.clock ?? systemClock;
  const logger: Logger = options.logger ?? pino({ name: 'simulator', level: options.logLevel ?? 'warn' }, pino.destination(2));
  const zone = createDnsZone({ domains: [options.domain], defaultTtlSec: options.ttlSec ?? 300 });
  const started = clock.now();
  const fleet = await createFleet({
    count: options.devices,
    milliNicCount: options.milliNics ?? 0,
    domain: options.domain,
    clock,
    random: seededRandom(options.seed ?? 1),
    deviceRandom: options.random ?? cryptoRandom,
    bindTransport: (address, port) => bindUdp({ host: address, port, onError: (e) => logger.debug({ err: e.message, address }, 'simulator: socket error') }),
    logger,
    ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
    ...(options.jitterMs === undefined ? {} : { jitterMs: options.jitterMs }),
    ...(options.lossRate === undefined ? {} : { lossRate: options.lossRate }),
    ...(options.maxHops === undefined ? {} : { maxHops: options.maxHops }),
    ...(options.plugtest === undefined ? {} : { plugtestCount: options.plugtest }),
    ...(options.firstAddressIndex === undefined ? {} : { firstAddressIndex: options.firstAddressIndex }),
    ...(options.observePeriodMs === undefined ? {} : { config: { observePeriodMs: options.observePeriodMs } }),
  });
  const startMs = clock.now() - started;
  let dns: RunningDnsServer | undefined;
  try {
    for (const r of fleet.records) {
      const added = zone.add(r.name, r.address);
      if (!added.ok) throw new Error(`simulator: ${added.error}`);
    }
    dns = await startDnsServer({ host: options.dnsHost ?? '127.0.0.1', port: options.dnsPort ?? 0, zone, logger });
    if (options.hostsFile !== undefined) await writeFile(options.hostsFile, zone.toHosts());
  } catch (error) {
    await dns?.close();
    await fleet.stop();
    throw error;
  }
  const server = dns;
  logger.info({ devices: fleet.devices.length, dns: server.endpoint, startMs }, 'simulator: running');
  let closing: Promise<void> | undefined;
  return {
    fleet,
    zone,
    dns: server,
    startMs,
    close: () => (closing ??= Promise.all([server.close(), fleet.stop()]).then(() => undefined)),
  };
}
