// `coap-gateway simulate`: runs the mesh simulator (devices on 127.x.y.z + their DNS server) until a signal.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { stopSignal } from '../stop-signal.js';
import { startSimulator, type RunningSimulator } from '../../app/index.js';

interface SimulateOptions {
  devices: number;
  millinics?: number;
  millis?: number;
  domain: string;
  dnsHost: string;
  dnsPort: number;
  delayMs?: number;
  delay?: number;
  jitterMs?: number;
  jitter?: number;
  loss: number;
  hops: number;
  seed: number;
  plugtest: number;
  observePeriodMs: number;
  ttl: number;
  hostsFile?: string;
  addressOffset: number;
  list?: boolean;
  json?: boolean;
}

function integer(min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

function probability(text: string): number {
  const n = Number(text);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
}

const SAMPLE = 5;

function report(sim: RunningSimulator, options: SimulateOptions): string {
  const devices = sim.fleet.devices;
  const shown = options.list === true ? devices : devices.slice(0, SAMPLE);
  const listed = shown.map((d) => ({ name: d.identity.name, address: d.address.address, port: d.address.port, kind: d.identity.kind, mac: d.identity.mac }));
  if (options.json === true) {
    return (
      JSON.stringify({
        dns: sim.dns.endpoint,
        dnsHost: sim.dns.address,
        dnsPort: sim.dns.port,
        domain: options.domain,
        nics: devices.filter((d) => d.identity.kind === 'nic').length,
        milliNics: devices.filter((d) => d.identity.kind === 'millinic').length,
        plugtest: Math.min(options.plugtest, devices.length),
        startMs: Math.round(sim.startMs),
        devices: listed,
      }) + '\n'
    );
  }
  const first = devices[0];
  const lines = [
    `mesh DNS: ${sim.dns.endpoint} (domain ${options.domain}, ${devices.length} devices, started in ${Math.round(sim.startMs)} ms)`,
    ...listed.map((d) => `  ${d.name}  ${d.address}:${d.port}  ${d.kind}`),
    ...(shown.length < devices.length ? [`  ... ${devices.length - shown.length} more (--list shows all)`] : []),
  ];
  if (first !== undefined) {
    const port = first.address.port === 5683 ? '' : `:${first.address.port}`;
    lines.push(
      `try: coap-client-notls -m get coap://${first.address.address}${port}/time`,
      `     dig @${sim.dns.address} -p ${sim.dns.port} ${first.identity.name} A`,
    );
  }
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('run the mesh simulator: simulated NICs on 127.x.y.z (5683; milliNICs 4849) and a DNS server for their names')
    .option('--devices <n>', 'number of NICs', integer(0, 1_000_000), 10)
    .option('--millinics <n>', 'number of milliNICs (port 4849)', integer(0, 1_000_000))
    .addOption(new Option('--millis <n>', 'same as --millinics').argParser(integer(0, 1_000_000)).hideHelp())
    .option('--domain <domain>', 'mesh domain of the device names', 'starfish.test')
    .option('--dns-host <address>', 'address of the DNS server', '127.0.0.1')
    .option('--dns-port <n>', 'DNS port (0 = a free one)', integer(0, 65535), 0)
    .option('--delay-ms <ms>', 'mean one-way mesh delay per hop', integer(0, 600_000))
    .addOption(new Option('--delay <ms>', 'same as --delay-ms').argParser(integer(0, 600_000)).hideHelp())
    .option('--jitter-ms <ms>', 'jitter per hop (delay ± jitter)', integer(0, 600_000))
    .addOption(new Option('--jitter <ms>', 'same as --jitter-ms').argParser(integer(0, 600_000)).hideHelp())
    .option('--loss <p>', 'loss probability per datagram and direction', probability, 0)
    .option('--hops <n>', 'devices are 1..n radio hops away; delay and jitter scale with hops', integer(1, 64), 1)
    .option('--seed <n>', 'seed of MACs and hop counts (runs repeat)', integer(0, 2 ** 31), 1)
    .option('--plugtest <n>', 'the first n devices carry the ETSI plugtest resources', integer(0, 1_000_000), 1)
    .option('--observe-period-ms <ms>', 'notification period of /time and /meter/register', integer(100, 86_400_000), 5000)
    .option('--ttl <s>', 'TTL of the DNS records', integer(0, 86_400), 300)
    .option('--address-offset <n>', 'skip the first n loopback addresses (0 = start at 127.1.0.1), to run fleets side by side', integer(0, 16_000_000), 0)
    .option('--hosts-file <file>', 'also write the records in /etc/hosts form (dnsmasq --addn-hosts)')
    .option('--list', 'print every device, not a sample')
    .option('--json', 'print one JSON line')
    .action(async (options: SimulateOptions) => {
      const sim = await startSimulator({
        devices: options.devices,
        milliNics: options.millinics ?? options.millis ?? 0,
        domain: options.domain,
        dnsHost: options.dnsHost,
        dnsPort: options.dnsPort,
        delayMs: options.delayMs ?? options.delay ?? 0,
        jitterMs: options.jitterMs ?? options.jitter ?? 0,
        lossRate: options.loss,
        maxHops: options.hops,
        seed: options.seed,
        plugtest: options.plugtest,
        observePeriodMs: options.observePeriodMs,
        ttlSec: options.ttl,
        firstAddressIndex: options.addressOffset,
        ...(options.hostsFile === undefined ? {} : { hostsFile: options.hostsFile }),
      });
      // Handlers first: a script may signal as soon as it has read the report.
      const stopped = stopSignal();
      process.stdout.write(report(sim, options));
      await stopped;
      await sim.close();
    });
}
