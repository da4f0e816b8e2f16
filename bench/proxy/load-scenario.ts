// The shape shared by the load scenarios (1, 2, 3, 5): one origin, every peer, repetitions, medians, a table.
import { startBenchOrigin, startPeers, stopPeers } from './bench-context.js';
import type { BenchContext, OursOptions } from './bench-context.js';
import type { LoadgenOptions } from './loadgen-process.js';
import { runLoadgen } from './loadgen-process.js';
import type { Device, Peer, PeerName } from './peers.js';
import { peerRatios, printLoadTable, printRatios } from './report.js';
import type { PeerOutcome, ScenarioResult } from './report.js';
import { samplePeer, summarise } from './sample.js';
import type { Sample } from './sample.js';

export type Load = Omit<LoadgenOptions, 'dest' | 'uris' | 'core'>;

export interface LoadScenario {
  readonly id: string;
  readonly title: string;
  readonly devices: number;
  readonly originDelayMs?: number;
  /** The URIs to ask for, from the peer's own URI syntax. */
  readonly uris: (peer: Peer, devices: readonly Device[]) => string[];
  readonly load: Load;
  /** An unmeasured pass per peer first (fills caches, e.g. our DNS cache, libcoap's sessions). */
  readonly warm?: Load;
  /**
   * Warm passes, each with new client sockets (default 1). Two reach a steady state where clients come
   * and go: the second pass's clients push the first's out of the peer's state (deduplication caps,
   * idle clients), so that work, and the JIT compilation it triggers, happens before the measurement.
   */
  readonly warmPasses?: number;
  /** Only these peers get the warm pass (default: all). */
  readonly warmPeers?: readonly PeerName[];
  /** Per-peer load overrides (e.g. a rate derived from an earlier scenario). */
  readonly loadFor?: (peer: PeerName) => Partial<Load>;
  readonly peers?: readonly PeerName[];
  readonly ours?: OursOptions;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly notes?: readonly string[];
  /** Keys of `extra` shown as table columns. */
  readonly extraColumns?: readonly string[];
  /** Extra per-peer figures from the samples and the origin's counters of the last run. */
  readonly extra?: (samples: readonly Sample[], origin: { distinct_addresses: number; requests: number }) => Record<string, number | string>;
}

export async function runLoadScenario(ctx: BenchContext, s: LoadScenario): Promise<ScenarioResult> {
  console.log(`\n== ${s.id}: ${s.title}`);
  const { origin, devices } = await startBenchOrigin(ctx, s.devices, s.originDelayMs ?? 0);
  const names = s.peers ?? ctx.peers;
  const { peers, failed } = await startPeers(ctx, names, devices, s.ours);
  const samples = new Map<PeerName, Sample[]>();
  const lastOrigin = new Map<PeerName, { distinct_addresses: number; requests: number }>();
  const errors = new Map<PeerName, string>(failed);
  try {
    for (const peer of peers) {
      if (s.warm === undefined || (s.warmPeers !== undefined && !s.warmPeers.includes(peer.name))) continue;
      try {
        for (let pass = 0; pass < (s.warmPasses ?? 1); pass++) {
          await runLoadgen(ctx.tools, { timeoutMs: s.load.timeoutMs ?? 5000, ...s.warm, dest: peer.dest, uris: s.uris(peer, devices), core: ctx.loadCore,
            ...(peer.loginFile === undefined ? {} : { loginFile: peer.loginFile }) });
        }
      } catch (e) {
        errors.set(peer.name, `warm-up failed: ${String(e).split('\n')[0] ?? ''}`);
      }
    }
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const peer of peers) {
        if (errors.has(peer.name)) continue;
        await origin.stats();
        try {
          const sample = await samplePeer(ctx.tools, peer, { ...s.load, ...s.loadFor?.(peer.name), uris: s.uris(peer, devices) }, ctx.loadCore);
          samples.set(peer.name, [...(samples.get(peer.name) ?? []), sample]);
          lastOrigin.set(peer.name, await origin.stats());
          const r = sample.report;
          console.log(`  rep ${rep + 1} ${peer.name.padEnd(9)} ${Math.round(r.rps)} req/s  p50 ${r.lat_us.p50} µs  p99 ${r.lat_us.p99} µs  ok ${r.ok}/${r.sent}  lost ${r.timeouts}`);
        } catch (e) {
          errors.set(peer.name, String(e).split('\n')[0] ?? String(e));
        }
      }
    }
  } finally {
    await stopPeers(peers);
    await origin.stop();
  }
  const outcomes: PeerOutcome[] = names.map((name) => {
    const ss = samples.get(name);
    const error = errors.get(name);
    if (ss === undefined || ss.length === 0) return { peer: name, error: error ?? 'no sample' };
    const o = lastOrigin.get(name) ?? { distinct_addresses: 0, requests: 0 };
    return { peer: name, figures: summarise(ss), ...(s.extra === undefined ? {} : { extra: s.extra(ss, o) }), ...(error === undefined ? {} : { error }) };
  });
  const ratios = peerRatios(outcomes);
  printLoadTable(`${s.id}: ${s.title} (medians of ${ctx.reps})`, outcomes, s.extraColumns);
  printRatios(ratios);
  for (const n of s.notes ?? []) console.log(`note: ${n}`);
  return { id: s.id, title: s.title, params: { ...s.params, devices: s.devices, originDelayMs: s.originDelayMs ?? 0 }, outcomes, ratios, notes: s.notes ?? [] };
}
