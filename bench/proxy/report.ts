// Scenario results of the proxy bench: the shared result shape, the printed tables and the ratios.
import type { PeerName } from './peers.js';
import type { Figures } from './sample.js';

export type Cell = string | number;

export interface PeerOutcome {
  readonly peer: PeerName;
  readonly figures?: Figures;
  /** Scenario-specific figures (memory per session, devices reached, ...). */
  readonly extra?: Readonly<Record<string, number | string>>;
  readonly error?: string;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly outcomes: readonly PeerOutcome[];
  readonly ratios: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
}

export function fmt(v: number | undefined, digits = 0): string {
  if (v === undefined || Number.isNaN(v)) return '-';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function printTable(title: string, columns: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const text = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of text) console.log(line(r));
}

const find = (r: ScenarioResult, p: PeerName): Figures | undefined => r.outcomes.find((o) => o.peer === p)?.figures;

/** ours/libcoap and ours/raw-relay for throughput (higher is better) and p50/p99 latency (lower is better). */
export function peerRatios(outcomes: readonly PeerOutcome[]): Record<string, number> {
  const r: ScenarioResult = { id: '', title: '', params: {}, outcomes, ratios: {}, notes: [] };
  const ours = find(r, 'ours');
  const out: Record<string, number> = {};
  if (ours === undefined) return out;
  for (const other of ['libcoap', 'raw-relay', 'node-coap'] as const) {
    const f = find(r, other);
    if (f === undefined) continue;
    out[`rps ours/${other}`] = ours.rps / f.rps;
    out[`p50 ours/${other}`] = ours.p50 / f.p50;
    out[`p99 ours/${other}`] = ours.p99 / f.p99;
  }
  return out;
}

export function printRatios(ratios: Readonly<Record<string, number>>): void {
  const keys = Object.keys(ratios);
  if (keys.length === 0) {
    console.log('ratios: - (needs our gateway and another proxy in this run)');
    return;
  }
  console.log(keys.map((k) => `${k} = ${fmt(ratios[k], 2)}`).join('   '));
}

/** The standard load table: one row per peer, the direct-to-origin ceiling on top, then `extraColumns`. */
export function printLoadTable(title: string, outcomes: readonly PeerOutcome[], extraColumns: readonly string[] = []): void {
  const ceiling = outcomes.find((o) => o.peer === 'direct')?.figures;
  const rows = outcomes.map((o): Cell[] => {
    const f = o.figures;
    const extras = extraColumns.map((c): Cell => o.extra?.[c] ?? '-');
    if (f === undefined) return [o.peer, `not measured: ${o.error ?? 'unknown'}`, '', '', '', '', '', '', '', '', '', '', '', '', ...extraColumns.map(() => '')];
    const share = ceiling === undefined || o.peer === 'direct' ? '' : `${fmt((100 * f.rps) / ceiling.rps, 1)}%`;
    return [o.peer, fmt(f.rps), share, f.p50, f.p90, f.p99, f.max, `${fmt(f.ok)}/${fmt(f.sent)}`, f.losses, f.retransmits, fmt(f.kernelDrops), f.errors,
      fmt(f.cpuUsPerReq, 1), Number.isNaN(f.sysShare) ? '-' : `${fmt(100 * f.sysShare)}%`, ...extras];
  });
  const columns = ['peer', 'req/s', 'of ceiling', 'p50 µs', 'p90 µs', 'p99 µs', 'max µs', 'ok/sent', 'lost', 'retx', 'kernel drops', 'errors', 'CPU µs/req', 'kernel'];
  printTable(title, [...columns, ...extraColumns], rows);
}
