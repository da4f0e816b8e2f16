// Scenarios 1, 2, 3 and 5 of the proxy bench (issue #8): latency, throughput, many devices, slow mesh.
import type { BenchContext } from './bench-context.js';
import { runLoadScenario } from './load-scenario.js';
import type { Device, Peer, PeerName } from './peers.js';
import { fmt, printTable } from './report.js';
import type { Cell, ScenarioResult } from './report.js';
import { median } from './sample.js';

const first = (d: readonly Device[]): Device => {
  const x = d[0];
  if (x === undefined) throw new Error('no device');
  return x;
};
const oneUri = (p: Peer, d: readonly Device[]): string[] => [p.uri(first(d), 'x')];
const everyDevice = (p: Peer, d: readonly Device[]): string[] => d.map((x) => p.uri(x, 'x'));

/** Latency added by each proxy over the direct path, at p50 and p99. */
function addedLatency(r: ScenarioResult): ScenarioResult {
  const direct = r.outcomes.find((o) => o.peer === 'direct')?.figures;
  if (direct === undefined) return r;
  const outcomes = r.outcomes.map((o) =>
    o.figures === undefined || o.peer === 'direct'
      ? o
      : { ...o, extra: { ...o.extra, addedP50us: o.figures.p50 - direct.p50, addedP99us: o.figures.p99 - direct.p99 } },
  );
  const rows = outcomes.filter((o) => o.extra !== undefined).map((o): Cell[] => [o.peer, o.extra?.addedP50us ?? '-', o.extra?.addedP99us ?? '-']);
  printTable(`${r.id}: latency added over direct`, ['peer', '+p50 µs', '+p99 µs'], rows);
  return { ...r, outcomes };
}

export async function latency(ctx: BenchContext): Promise<ScenarioResult> {
  const q = ctx.quick;
  const r = await runLoadScenario(ctx, {
    id: 's1-latency',
    title: 'latency, 1 client x window 1, one fast origin',
    devices: 1,
    uris: oneUri,
    // Quick runs rely on the in-run warm-up alone.
    ...(q ? {} : { warm: { clients: 1, window: 1, durationMs: 1000 } }),
    load: { clients: 1, window: 1, warmupMs: q ? 200 : 500, durationMs: q ? 1000 : 4000, timeoutMs: q ? 1000 : 2000 },
    params: { clients: 1, window: 1 },
  });
  return addedLatency(r);
}

export async function throughput(ctx: BenchContext): Promise<ScenarioResult> {
  const q = ctx.quick;
  return runLoadScenario(ctx, {
    id: 's2-throughput',
    title: 'throughput, 16 clients x window 16 at saturation, one fast origin',
    devices: 1,
    uris: oneUri,
    ...(q ? {} : { warm: { clients: 16, window: 16, durationMs: 1500 } }),
    load: { clients: 16, window: 16, warmupMs: q ? 300 : 1000, durationMs: q ? 1500 : 4000, timeoutMs: q ? 1000 : 2000 },
    params: { clients: 16, window: 16 },
    notes: [`lost = no response within ${q ? 1 : 2} s (no retransmission by the load generator, so every drop shows)`],
  });
}

/** The same load paced at `rate` req/s (half of the reference peer's saturation), for p99 at half load. */
export async function halfLoad(ctx: BenchContext, saturation: ScenarioResult): Promise<ScenarioResult | undefined> {
  const ref = (['ours', 'raw-relay'] as const)
    .map((p) => saturation.outcomes.find((o) => o.peer === p)?.figures)
    .find((f) => f !== undefined);
  if (ref === undefined) return undefined;
  // BENCH_RATE=N (diagnosis) paces at N req/s instead, to compare runs at one rate.
  const fixed = Number(process.env.BENCH_RATE ?? '');
  const rate = Number.isInteger(fixed) && fixed > 0 ? fixed : Math.round(ref.rps / 2);
  const q = ctx.quick;
  const r = await runLoadScenario(ctx, {
    id: 's2b-half-load',
    title: `latency at half load: ${rate} req/s paced, 16 x 16`,
    devices: 1,
    uris: oneUri,
    // Three warm passes of 2.5 s, each with new clients: by the third, clients coming and going
    // (deduplication caps, idle peers) is routine, and the JIT compiling it is done before the
    // measurement; on the one proxy core a background compile otherwise stalls the event loop.
    ...(q ? {} : { warm: { clients: 16, window: 16, durationMs: 2500, rate }, warmPasses: 3 }),
    load: { clients: 16, window: 16, warmupMs: q ? 200 : 500, durationMs: q ? 1000 : 3000, timeoutMs: q ? 1000 : 2000, rate },
    params: { clients: 16, window: 16, rate, rateFrom: saturation.outcomes.some((o) => o.peer === 'ours' && o.figures) ? 'ours' : 'raw-relay' },
    notes: ['paced: every request leaves at its own time, evenly spaced (epoll_pwait2 timeouts; the kernel\'s ~50 µs timer slack groups a few)'],
  });
  return addedLatency(r);
}

export async function manyDevices(ctx: BenchContext): Promise<ScenarioResult> {
  const q = ctx.quick;
  const n = q ? 1000 : 10_000;
  return runLoadScenario(ctx, {
    id: 's3-many-devices',
    title: `many devices: 16 x 16 spread round robin over ${n} origin addresses`,
    devices: n,
    uris: everyDevice,
    warm: { clients: 16, window: 16, count: n, durationMs: 20_000, timeoutMs: 5000 },
    warmPeers: ['ours'],
    load: { clients: 16, window: 16, warmupMs: q ? 200 : 1000, durationMs: q ? 1000 : 4000, timeoutMs: q ? 1000 : 5000 },
    params: { clients: 16, window: 16 },
    notes: ['devices reached = distinct origin addresses that got a request in the last run (a proxy that reuses one upstream per client shows fewer)'],
    extra: (_s, origin) => ({ devicesReached: origin.distinct_addresses }),
    extraColumns: ['devicesReached'],
  });
}

function slowExtra(inFlight: number) {
  return (ss: readonly { rssBefore: number; rssPeak: number; report: { silent: { sent: number; gateway_timeout: number; timeouts: number } } }[]) => ({
    rssGrowthPerInFlightB: median(ss.map((s) => (s.rssPeak - s.rssBefore) / inFlight)),
    silentSent: median(ss.map((s) => s.report.silent.sent)),
    silent504: median(ss.map((s) => s.report.silent.gateway_timeout)),
    silentLost: median(ss.map((s) => s.report.silent.timeouts)),
  });
}

export async function slowMesh(ctx: BenchContext): Promise<ScenarioResult> {
  const q = ctx.quick;
  const [clients, window] = q ? [20, 50] : [100, 100];
  const inFlight = clients * window;
  const r = await runLoadScenario(ctx, {
    id: 's5-slow-mesh',
    title: `slow mesh: origin answers after 2 s (empty ACK, separate CON), ${inFlight} requests in flight over ${inFlight} devices`,
    devices: inFlight,
    originDelayMs: 2000,
    uris: everyDevice,
    // Quick runs: the in-run warm-up (the first round) fills our DNS cache instead.
    ...(q ? {} : { warm: { clients, window, once: true, rampMs: 2000, retransmitMs: 2000, durationMs: 30_000, timeoutMs: 10_000 } }),
    // Only ours caches per device (DNS answers); the others have nothing a first pass would fill.
    warmPeers: ['ours'],
    // Little's law: N in flight with a 2 s delay is N/2 requests per second; a 2 s ramp sends them
    // evenly (quick runs: 1 s, in bursts), and the ramp is the warm-up.
    load: { clients, window, rampMs: q ? 1000 : 2000, warmupMs: q ? 1000 : 2000, durationMs: q ? 2000 : 6000, timeoutMs: 10_000, retransmitMs: 2000 },
    params: { clients, window, inFlight, retransmitMs: 2000, rampMs: q ? 1000 : 2000 },
    notes: ['latency includes the 2 s origin delay; the load generator retransmits a CON after 2, 4, 8, 16 s (RFC 7252 §4.2) like a real client; lost = no response within 10 s'],
    extra: slowExtra(inFlight),
  });
  const rows = r.outcomes.map((o): Cell[] => [o.peer, fmt(Number(o.extra?.rssGrowthPerInFlightB ?? Number.NaN)), fmt(o.figures?.rssPeakMiB, 1)]);
  printTable(`${r.id}: memory under ${inFlight} in flight`, ['peer', 'RSS growth B/in-flight', 'RSS peak MiB'], rows);
  return r;
}

/** Dead devices among slow ones: only requests to them may end in 5.04 (ours: 5 s deadline). */
export async function deadDevices(ctx: BenchContext): Promise<ScenarioResult> {
  const q = ctx.quick;
  // Quick runs skip the peers without a deadline: their dead requests only end at the 12 s client timeout.
  const peers: PeerName[] = q ? ctx.peers.filter((p) => p === 'ours') : ['direct', ...ctx.peers.filter((p) => p === 'ours' || p === 'libcoap')];
  if (peers.length === 0) return { id: 's5b-dead-devices', title: 'skipped (quick run without our gateway)', params: {}, outcomes: [], ratios: {}, notes: [] };
  const r = await runLoadScenario(ctx, {
    id: 's5b-dead-devices',
    title: 'slow mesh with dead devices: 1 in 100 URIs never answered, origin delay 2 s, 10 x 100 in flight',
    devices: 100,
    originDelayMs: 2000,
    uris: (p, d) => d.map((x, i) => p.uri(x, i % 100 === 99 ? 'silent' : 'x')),
    // Quick runs skip the warm pass: 100 names resolve in milliseconds, and this is a correctness check.
    ...(q ? {} : { warm: { clients: 10, window: 100, once: true, rampMs: 1000, retransmitMs: 2000, durationMs: 30_000, timeoutMs: 12_000 } }),
    warmPeers: ['ours'],
    load: { clients: 10, window: 100, rampMs: 500, durationMs: q ? 1500 : 6000, timeoutMs: 12_000, retransmitMs: 2000 },
    peers,
    ours: { upstreamDeadlineMs: 5000 },
    params: { clients: 10, window: 100, oursDeadlineMs: 5000 },
    notes: ['expected: 5.04 for every request to a dead device, none for the live ones; the load generator waits 12 s'],
    extra: slowExtra(1000),
  });
  const rows = r.outcomes.map((o): Cell[] => [o.peer, o.figures?.codes['5.04'] ?? 0, o.extra?.silentSent ?? '-', o.extra?.silent504 ?? '-', o.extra?.silentLost ?? '-']);
  printTable(`${r.id}: 5.04 where expected`, ['peer', '5.04 on live', 'dead sent', 'dead 5.04', 'dead lost'], rows);
  return r;
}
