// One measured load-generator run against one peer (with the peer's CPU and peak RSS), and medians over runs.
import { runLoadgen } from './loadgen-process.js';
import type { LoadgenOptions, LoadgenReport } from './loadgen-process.js';
import type { CTools } from './c-tools.js';
import { cpuSeconds, rssBytes, sampleRss, systemCpuSeconds, udpReceiveBufferErrors } from './proc-stats.js';
import type { Peer } from './peers.js';

export interface Sample {
  readonly report: LoadgenReport;
  /** Peer CPU time per completed request, in microseconds (NaN for the direct baseline). */
  readonly cpuUsPerReq: number;
  /** Peer CPU busy share of one core during the run (1 = saturated). */
  readonly cpuShare: number;
  /** Kernel share of the peer's CPU time (0-1): sends and receives are syscalls. */
  readonly sysShare: number;
  readonly rssBefore: number;
  readonly rssPeak: number;
  /** Datagrams dropped by the kernel (full receive buffers, any socket) during the run. */
  readonly kernelDrops: number;
}

/** Figures of one peer in one scenario: medians over the repetitions. */
export interface Figures {
  readonly rps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly ok: number;
  readonly sent: number;
  readonly losses: number;
  /** Load-generator retransmissions (only when the scenario turns them on): each is a datagram lost somewhere. */
  readonly retransmits: number;
  /** Kernel receive-buffer drops during the run (machine-wide: peer, load generator or origin). */
  readonly kernelDrops: number;
  readonly errors: number;
  readonly cpuUsPerReq: number;
  readonly cpuShare: number;
  /** Kernel share of the peer's CPU (median). */
  readonly sysShare: number;
  readonly rssPeakMiB: number;
  readonly codes: Readonly<Record<string, number>>;
  readonly reps: number;
}

export async function samplePeer(tools: CTools, peer: Peer, opts: Omit<LoadgenOptions, 'dest'>, core: number): Promise<Sample> {
  const pid = peer.pid;
  const cpu0 = pid === undefined ? Number.NaN : cpuSeconds(pid);
  const sys0 = pid === undefined ? Number.NaN : systemCpuSeconds(pid);
  const rssBefore = pid === undefined ? Number.NaN : rssBytes(pid);
  const sampler = pid === undefined ? undefined : sampleRss(pid);
  const drops0 = udpReceiveBufferErrors();
  const t0 = process.hrtime.bigint();
  const loginFile = opts.loginFile ?? peer.loginFile;
  const report = await runLoadgen(tools, { ...opts, dest: peer.dest, core, ...(loginFile === undefined ? {} : { loginFile }) });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = pid === undefined ? Number.NaN : cpuSeconds(pid) - cpu0;
  return {
    report,
    cpuUsPerReq: report.total_done > 0 ? (cpu * 1e6) / report.total_done : Number.NaN,
    cpuShare: cpu / wallS,
    sysShare: pid === undefined || cpu <= 0 ? Number.NaN : (systemCpuSeconds(pid) - sys0) / cpu,
    rssBefore,
    rssPeak: sampler === undefined ? Number.NaN : sampler.stop(),
    kernelDrops: udpReceiveBufferErrors() - drops0,
  };
}

export function median(values: readonly number[]): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? Number.NaN) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

export function summarise(samples: readonly Sample[]): Figures {
  const m = (f: (s: Sample) => number): number => median(samples.map(f));
  // The codes of the median-throughput run, so the table shows one real run's mix.
  const byRps = [...samples].sort((a, b) => a.report.rps - b.report.rps);
  const mid = byRps[Math.floor(byRps.length / 2)];
  return {
    rps: m((s) => s.report.rps),
    p50: m((s) => s.report.lat_us.p50),
    p90: m((s) => s.report.lat_us.p90),
    p99: m((s) => s.report.lat_us.p99),
    max: m((s) => s.report.lat_us.max),
    ok: m((s) => s.report.ok),
    sent: m((s) => s.report.sent),
    losses: m((s) => s.report.timeouts),
    retransmits: m((s) => s.report.retransmits),
    kernelDrops: m((s) => s.kernelDrops),
    errors: m((s) => s.report.errors + s.report.rst),
    cpuUsPerReq: m((s) => s.cpuUsPerReq),
    cpuShare: m((s) => s.cpuShare),
    sysShare: m((s) => s.sysShare),
    rssPeakMiB: m((s) => s.rssPeak / 1048576),
    codes: mid?.report.codes ?? {},
    reps: samples.length,
  };
}
