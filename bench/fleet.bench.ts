// Fleet bench: starts 10,000 simulated devices on real UDP loopback sockets plus their DNS records,
// reports start time, memory and idle CPU, checks a sample answers, then stops. Targets: < 10 s, < 1 GB.
import { promises as dns } from 'node:dns';
import { startSimulator } from '../src/app/index.js';
import { cryptoRandom } from '../src/base/index.js';
import { Code, OptionNumber, makeOptions } from '../src/coap/index.js';
import { createEndpoint } from '../src/engine/index.js';
import { bindUdp } from '../src/transport/index.js';

const DEVICES = Number(process.env.FLEET_DEVICES ?? 10_000);
const MILLIS = Math.floor(DEVICES / 20);
const TARGET_START_MS = 10_000;
const TARGET_RSS_BYTES = 1024 ** 3;
const IDLE_MS = 5000;
const SAMPLE = 200;

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const line = (label: string, value: string): void => console.log(`${label.padEnd(48)} ${value.padStart(14)}`);
const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<number> {
  gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  // Addresses from 127.1.200.1 upward: clear of the default block other runs use.
  const sim = await startSimulator({ devices: DEVICES - MILLIS, milliNics: MILLIS, domain: 'bench.test', firstAddressIndex: 254 * 200, logLevel: 'silent' });
  const startMs = performance.now() - t0;
  gc?.();
  const after = process.memoryUsage();

  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const cpu = process.cpuUsage(cpu0);
  const idleCpu = (cpu.user + cpu.system) / 1000 / IDLE_MS;

  // A sample of devices must answer GET /time, and their names must resolve.
  const client = createEndpoint({ transport: await bindUdp({ host: '127.0.0.1', port: 0 }) });
  const resolver = new dns.Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([sim.dns.endpoint]);
  const picks = Array.from({ length: SAMPLE }, () => sim.fleet.devices[cryptoRandom.int(0, sim.fleet.devices.length)]!);
  const t1 = performance.now();
  const answers = await Promise.allSettled(
    picks.map((d) => client.request(d.address, { code: Code.GET, options: makeOptions([[OptionNumber.URI_PATH, 'time']]) }, { timeoutMs: 10_000 })),
  );
  const sampleMs = performance.now() - t1;
  const answered = answers.filter((a) => a.status === 'fulfilled' && a.value.code === Code.CONTENT).length;
  const resolved = (await Promise.allSettled(picks.slice(0, 50).map((d) => resolver.resolve4(d.identity.name)))).filter(
    (r, i) => r.status === 'fulfilled' && r.value[0] === picks[i]!.address.address,
  ).length;
  await client.close();

  const t2 = performance.now();
  await sim.close();
  const stopMs = performance.now() - t2;

  line(`devices started (${DEVICES - MILLIS} NICs + ${MILLIS} milliNICs)`, `${startMs.toFixed(0)} ms`);
  line('devices per second', `${Math.round(DEVICES / (startMs / 1000)).toLocaleString('en-US')}`);
  line('resident set size after start', mb(after.rss));
  line('heap used after start', mb(after.heapUsed));
  line('heap per device', `${((after.heapUsed - before.heapUsed) / DEVICES / 1024).toFixed(1)} KB`);
  line('rss per device', `${((after.rss - before.rss) / DEVICES / 1024).toFixed(1)} KB`);
  line(`idle CPU over ${IDLE_MS / 1000} s`, `${(idleCpu * 100).toFixed(1)} %`);
  line(`GET /time answered (${SAMPLE} random devices)`, `${answered}/${SAMPLE} in ${sampleMs.toFixed(0)} ms`);
  line('names resolved by the mesh DNS', `${resolved}/50`);
  line('stopped', `${stopMs.toFixed(0)} ms`);
  const ok = startMs < TARGET_START_MS && after.rss < TARGET_RSS_BYTES && answered === SAMPLE && resolved === 50;
  console.log(ok ? 'fleet: within targets (< 10 s, < 1 GB)' : 'fleet: MISSED a target');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
