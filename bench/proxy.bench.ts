// Proxy benchmark (issue #8): our gateway vs libcoap's forward proxy, a raw Node.js relay and node-coap, one run.
//
// Usage: node --import tsx bench/proxy.bench.ts [--quick] [--reps N] [--peers ours,libcoap,raw-relay,node-coap]
//        [--only s1,s2,s3,s4,s5]
// Everything runs on loopback. The proxies are pinned to core 1 (`taskset -c 1`), the C load generator and
// origin to core 0. Prints a table per scenario with the direct-to-origin ceiling on top and the ratios
// ours/libcoap and ours/raw-relay; writes bench/results/latest.json. --quick: one repetition, small sizes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './proxy/bench-context.js';
import { buildCTools } from './proxy/c-tools.js';
import { stopAllChildren } from './proxy/child-process.js';
import { deadDevices, halfLoad, latency, manyDevices, slowMesh, throughput } from './proxy/load-scenarios.js';
import { memory } from './proxy/memory-scenario.js';
import { PROXY_PEERS, repoRoot } from './proxy/peers.js';
import type { PeerName } from './proxy/peers.js';
import type { ScenarioResult } from './proxy/report.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const reps = Number(flag('--reps') ?? (quick ? 1 : 3));
const peerList = (flag('--peers')?.split(',') ?? [...PROXY_PEERS]).filter((p): p is PeerName => (PROXY_PEERS as readonly string[]).includes(p));
const only = flag('--only')?.split(',');
const wants = (s: string): boolean => only === undefined || only.includes(s);

function need(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const out = e instanceof Error && 'stderr' in e ? String((e as { stderr: unknown }).stderr) : '';
    if (out.length > 0) return out; // coap-server-notls -h exits non-zero but prints its version
    throw new Error(`${cmd} is required by the proxy bench and was not found or failed: ${String(e)}`);
  }
}

function machine(): Record<string, string | number> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: Number(need('nproc', []).trim()),
    cpuModel: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown',
    node: process.version,
    libcoap: /v(\d+\.\d+\.\d+)/.exec(need('coap-server-notls', ['-h']))?.[1] ?? 'unknown',
    kernel: need('uname', ['-r']).trim(),
    loadavgAtStart: loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  need('taskset', ['-V']);
  // Our gateway runs from dist/, as `npm start` runs it (tsx would measure its transpiled output instead).
  console.log('building dist/ (tsc -p tsconfig.build.json) ...');
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
  const m = machine();
  const nproc = Number(m.nproc);
  const tools = buildCTools();
  const ctx: BenchContext = {
    tools,
    quick,
    reps,
    proxyCore: nproc > 1 ? 1 : 0,
    loadCore: 0,
    peers: ['direct', ...peerList],
    domain: 'bench.test',
  };
  console.log(`proxy bench: ${quick ? 'quick' : 'full'} run, ${reps} repetition(s), peers ${peerList.join(', ')}`);
  console.log(`machine: ${m.nproc} cores, ${m.cpuModel}, node ${m.node}, libcoap ${m.libcoap}, load average ${m.loadavgAtStart}`);
  if (nproc < 2) console.log('note: one core only: proxies share it with the load generator; figures are not comparable to a 2-core run');
  const results: ScenarioResult[] = [];
  const timed = async (run: () => Promise<ScenarioResult | undefined>): Promise<ScenarioResult | undefined> => {
    const t0 = Date.now();
    const r = await run();
    if (r !== undefined) {
      results.push(r);
      console.log(`(${r.id}: ${Math.round((Date.now() - t0) / 1000)} s)`);
    }
    return r;
  };
  try {
    if (wants('s1')) await timed(() => latency(ctx));
    if (wants('s2')) {
      const s2 = await timed(() => throughput(ctx));
      if (s2 !== undefined) await timed(() => halfLoad(ctx, s2));
    }
    if (wants('s3')) await timed(() => manyDevices(ctx));
    if (wants('s4')) await timed(() => memory(ctx));
    if (wants('s5')) {
      await timed(() => slowMesh(ctx));
      await timed(() => deadDevices(ctx));
    }
  } finally {
    await stopAllChildren();
    tools.dispose();
  }
  const out = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    reps,
    machine: m,
    pinning: { proxies: `core ${ctx.proxyCore}`, loadgenAndOrigin: `core ${ctx.loadCore}` },
    durationS: Math.round((Date.now() - started) / 1000),
    loadavgAtEnd: loadavg().map((x) => x.toFixed(2)).join(' '),
    scenarios: results,
  };
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(out, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2)}\n`);
  console.log(`\nwrote bench/results/latest.json (${out.durationS} s)`);
}

main().catch(async (e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  await stopAllChildren();
  process.exit(1);
});
