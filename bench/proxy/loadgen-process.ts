// Runs the C load generator (loadgen.c) with typed options and returns its one-line JSON report.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild } from './child-process.js';
import type { CTools } from './c-tools.js';

export interface LoadgenOptions {
  /** "127.0.0.1:port" of the proxy; undefined = --direct to each URI's own address. */
  readonly dest: string | undefined;
  readonly uris: readonly string[];
  readonly clients: number;
  readonly window: number;
  readonly warmupMs?: number;
  readonly durationMs?: number;
  readonly count?: number;
  readonly timeoutMs?: number;
  readonly retransmitMs?: number;
  readonly rampMs?: number;
  readonly rate?: number;
  /** File holding the token for POST /sessions per socket. */
  readonly loginFile?: string;
  readonly loginOnly?: boolean;
  readonly observe?: boolean;
  readonly once?: boolean;
  readonly core?: number;
}

export interface LoadgenReport {
  readonly mode: string;
  readonly clients: number;
  readonly window: number;
  readonly measured_s: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly rst: number;
  readonly retransmits: number;
  readonly empty_acks: number;
  readonly separate: number;
  readonly unmatched: number;
  readonly notifications: number;
  readonly held: number;
  readonly rps: number;
  readonly codes: Readonly<Record<string, number>>;
  readonly lat_us: { readonly n: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  readonly login: { readonly ok: number; readonly fail: number; readonly codes: Readonly<Record<string, number>> };
  readonly silent: { readonly sent: number; readonly gateway_timeout: number; readonly other: number; readonly timeouts: number };
  readonly total_done: number;
  readonly loadgen_cpu_s: number;
  readonly wall_s: number;
}

let seq = 0;

function toArgs(dir: string, o: LoadgenOptions): string[] {
  const file = join(dir, `uris-${++seq}.txt`);
  writeFileSync(file, `${o.uris.join('\n')}\n`);
  const a = ['--uris', file, '--clients', String(o.clients), '--window', String(o.window)];
  if (o.dest === undefined) a.push('--direct');
  else a.push('--dest', o.dest);
  const num: [string, number | undefined][] = [
    ['--warmup-ms', o.warmupMs],
    ['--duration-ms', o.durationMs],
    ['--count', o.count],
    ['--timeout-ms', o.timeoutMs],
    ['--retransmit-ms', o.retransmitMs],
    ['--ramp-ms', o.rampMs],
    ['--rate', o.rate],
  ];
  for (const [flag, v] of num) if (v !== undefined) a.push(flag, String(Math.round(v)));
  if (o.loginFile !== undefined) a.push('--login', o.loginFile);
  if (o.loginOnly === true) a.push('--login-only');
  if (o.observe === true) a.push('--observe');
  if (o.once === true) a.push('--once');
  return a;
}

function reportTimeout(o: LoadgenOptions): number {
  return (o.warmupMs ?? 0) + (o.durationMs ?? 5000) + (o.rampMs ?? 0) + 2 * (o.timeoutMs ?? 5000) + 60_000;
}

export async function runLoadgen(tools: CTools, o: LoadgenOptions): Promise<LoadgenReport> {
  const child = spawnChild('loadgen', tools.loadgen, toArgs(tools.dir, o), o.core === undefined ? {} : { core: o.core });
  try {
    return await child.nextJson<LoadgenReport>(reportTimeout(o));
  } finally {
    await child.stop();
  }
}

/** Runs with --hold: the sockets stay open (their sessions and observations alive) until `release`. */
export async function holdLoadgen(tools: CTools, o: LoadgenOptions): Promise<{ report: LoadgenReport; release(): Promise<void> }> {
  const child = spawnChild('loadgen', tools.loadgen, [...toArgs(tools.dir, o), '--hold'], o.core === undefined ? {} : { core: o.core });
  try {
    const report = await child.nextJson<LoadgenReport>(reportTimeout(o));
    return { report, release: () => child.stop() };
  } catch (e) {
    await child.stop();
    throw e;
  }
}
