// Scenario 4 of the proxy bench: memory per idle session, per in-flight exchange, per observation subscriber,
// and the deduplication state left by a client that wraps the 16-bit message ID space.
import { startBenchOrigin, startPeers, stopPeers } from './bench-context.js';
import type { BenchContext } from './bench-context.js';
import { holdLoadgen, runLoadgen } from './loadgen-process.js';
import type { LoadgenOptions } from './loadgen-process.js';
import type { Device, Peer, PeerMemory, PeerName } from './peers.js';
import { openWrapClient } from './wrap-client.js';
import { fmt, printTable } from './report.js';
import type { Cell, PeerOutcome, ScenarioResult } from './report.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Delta {
  readonly rssPerItemB: number;
  readonly heapPerItemB: number;
  readonly items: number;
  /** Set when the run did not complete as planned (the figure is still the memory seen). */
  readonly note?: string;
}

function delta(before: PeerMemory, after: PeerMemory, items: number): Delta {
  const per = (a: number | undefined, b: number | undefined): number =>
    a === undefined || b === undefined || items === 0 ? Number.NaN : (a - b) / items;
  return { rssPerItemB: per(after.rss, before.rss), heapPerItemB: per(after.heapUsed, before.heapUsed), items };
}

type Probe = (ctx: BenchContext) => Promise<Map<PeerName, Delta | string>>;

/** One unmeasured request per device first: our DNS cache warm, every peer's per-target state made. */
async function warm(ctx: BenchContext, p: Peer, devices: readonly Device[], delayMs: number): Promise<void> {
  await runLoadgen(ctx.tools, { dest: p.dest, uris: devices.map((d) => p.uri(d, 'x')), clients: Math.min(100, devices.length), window: 100,
    count: devices.length, rampMs: Math.max(500, devices.length / 5), retransmitMs: 2000, durationMs: 60_000, timeoutMs: delayMs + 10_000, core: ctx.loadCore,
    ...(p.loginFile === undefined ? {} : { loginFile: p.loginFile }) });
}

/** Requests held open by a slow origin; memory read while all of them are in flight (one per device). */
const inFlight: Probe = async (ctx) => {
  // Sent at 5,000/s at most (rampMs), and the origin's delay outlasts the ramp: all are in flight at once.
  const [clients, window, delayMs, rampMs] = ctx.quick ? [10, 100, 1500, 500] : [100, 100, 5000, 2000];
  const { origin, devices } = await startBenchOrigin(ctx, clients * window, delayMs);
  const names = ctx.peers.filter((p) => p !== 'direct');
  const { peers, failed } = await startPeers(ctx, names, devices, { upstreamDeadlineMs: 60_000 });
  const out = new Map<PeerName, Delta | string>(failed);
  try {
    for (const p of peers) {
      // Ours resolves and caches each device name; the others keep nothing per device to warm.
      if (p.name === 'ours') await warm(ctx, p, devices, delayMs);
      const before = await p.memory();
      const opts: LoadgenOptions = { dest: p.dest, uris: devices.map((d) => p.uri(d, 'x')), clients, window, once: true, rampMs, retransmitMs: 2000,
        durationMs: delayMs + 5000, timeoutMs: delayMs + (ctx.quick ? 3000 : 5000), core: ctx.loadCore, ...(p.loginFile === undefined ? {} : { loginFile: p.loginFile }) };
      const run = runLoadgen(ctx.tools, opts);
      // The ramp is over and no answer is due before `delayMs`: all of them are in flight.
      await sleep(rampMs + 400);
      const during = await p.memory();
      const report = await run;
      const d = delta(before, during, clients * window);
      out.set(p.name, report.ok === clients * window ? d : { ...d, note: `${report.ok}/${clients * window} answered within ${opts.timeoutMs ?? 0} ms` });
    }
  } finally {
    await stopPeers(peers);
    await origin.stop();
  }
  return out;
};

type ByPeer = Map<PeerName, Delta | string>;

/**
 * One client socket sending 70,000 requests (its message IDs wrap), twice: what deduplication state stays
 * behind. Both runs come from the same socket (wrap-client.ts), so the second run shows whether the state
 * of ONE client is bounded; two load generator processes would be two clients, each with its own state.
 */
async function midWrap(ctx: BenchContext): Promise<{ first: ByPeer; second: ByPeer }> {
  const { origin, devices } = await startBenchOrigin(ctx, 1);
  const names = ctx.peers.filter((p) => p !== 'direct');
  const { peers, failed } = await startPeers(ctx, names, devices);
  const out: ByPeer = new Map(failed);
  const second2: ByPeer = new Map(failed);
  const device = devices[0];
  const count = 70_000;
  try {
    for (const p of peers) {
      if (device === undefined || p.dest === undefined) break;
      const client = await openWrapClient({ dest: p.dest, uri: p.uri(device, 'x'), window: 64, timeoutMs: 1000, ...(p.loginFile === undefined ? {} : { loginFile: p.loginFile }) });
      try {
        const before = await p.memory();
        const first = await client.run(count);
        const middle = await p.memory();
        out.set(p.name, { ...delta(before, middle, 1), items: first.ok, ...(first.ok < count ? { note: `${first.ok}/${count} answered (${JSON.stringify(first.codes)}, ${first.lost} lost)` } : {}) });
        const second = await client.run(count);
        const after = await p.memory();
        second2.set(p.name, { ...delta(middle, after, 1), items: second.ok, ...(second.ok < count ? { note: `${second.ok}/${count} answered (${JSON.stringify(second.codes)}, ${second.lost} lost)` } : {}) });
      } finally {
        await client.close();
      }
    }
  } finally {
    await stopPeers(peers);
    await origin.stop();
  }
  return { first: out, second: second2 };
}

/** Ours only: sessions logged in and left idle, and observation subscribers (held by the load generator). */
async function oursHeld(ctx: BenchContext, kind: 'sessions' | 'subscribers'): Promise<Delta | string> {
  const q = ctx.quick;
  const sessions = kind === 'sessions';
  const nDevices = sessions ? 1 : q ? 200 : 5000;
  const { origin, devices } = await startBenchOrigin(ctx, nDevices);
  const { peers, failed } = await startPeers(ctx, ['ours'], devices);
  const p: Peer | undefined = peers[0];
  try {
    if (p === undefined || p.loginFile === undefined) return failed.get('ours') ?? 'not started';
    if (!sessions) await warm(ctx, p, devices, 0);
    const before = await p.memory();
    const [clients, window] = sessions ? [q ? 1000 : 10_000, 1] : q ? [100, 20] : [500, 100];
    const held = await holdLoadgen(ctx.tools, {
      dest: p.dest, uris: devices.map((d) => p.uri(d, 'obs')), clients, window, loginFile: p.loginFile, core: ctx.loadCore,
      timeoutMs: 10_000, durationMs: 120_000, rampMs: sessions ? 0 : Math.max(1000, (clients * window) / 5), retransmitMs: 2000,
      ...(sessions ? { loginOnly: true } : { observe: true, once: true }),
    });
    try {
      const items = sessions ? held.report.login.ok : held.report.held;
      const after = await p.memory();
      if (items < clients * window) return `only ${items}/${clients * window} (${JSON.stringify(sessions ? held.report.login.codes : held.report.codes)})`;
      return delta(before, after, items);
    } finally {
      await held.release();
    }
  } finally {
    await stopPeers(peers);
    await origin.stop();
  }
}

export async function memory(ctx: BenchContext): Promise<ScenarioResult> {
  console.log('\n== s4-memory: memory per session, in-flight exchange, subscriber; dedup state after a message ID wrap');
  const rows: { probe: string; byPeer: Map<PeerName, Delta | string> }[] = [];
  const withOurs = ctx.peers.includes('ours');
  const t0 = Date.now();
  const lap = (what: string): void => console.log(`  ${what} done (${Math.round((Date.now() - t0) / 1000)} s)`);
  if (withOurs) {
    rows.push({ probe: 'idle session', byPeer: new Map([['ours', await oursHeld(ctx, 'sessions')]]) });
    lap('idle sessions');
    rows.push({ probe: 'observation subscriber', byPeer: new Map([['ours', await oursHeld(ctx, 'subscribers')]]) });
    lap('subscribers');
  }
  rows.push({ probe: 'in-flight exchange', byPeer: await inFlight(ctx) });
  lap('in-flight exchanges');
  const wrap = await midWrap(ctx);
  rows.push({ probe: 'first 70,000 requests (MID wrap), total', byPeer: wrap.first });
  rows.push({ probe: 'next 70,000 requests, same client, total', byPeer: wrap.second });
  lap('message ID wrap');
  const cells: Cell[][] = [];
  const outcomes: PeerOutcome[] = [];
  for (const name of ctx.peers.filter((p) => p !== 'direct')) {
    const extra: Record<string, number | string> = {};
    for (const r of rows) {
      const d = r.byPeer.get(name);
      if (d === undefined) continue;
      if (typeof d === 'string') {
        extra[`${r.probe}: error`] = d;
        cells.push([name, r.probe, '-', '-', '-', d]);
      } else {
        extra[`${r.probe}: RSS B`] = Math.round(d.rssPerItemB);
        if (!Number.isNaN(d.heapPerItemB)) extra[`${r.probe}: heap B`] = Math.round(d.heapPerItemB);
        cells.push([name, r.probe, fmt(d.items), fmt(d.rssPerItemB), fmt(d.heapPerItemB), d.note ?? '']);
        if (d.note !== undefined) extra[`${r.probe}: note`] = d.note;
      }
    }
    outcomes.push({ peer: name, extra });
  }
  printTable('s4-memory: bytes per item (RSS from /proc; V8 heap after a full GC for Node.js peers)', ['peer', 'item', 'items', 'RSS B/item', 'heap B/item', 'note'], cells);
  const notes = ['sessions and subscribers need a login: our gateway only', 'the two 70,000-request rows are total growth in bytes, not per item, from one client socket: bounded state grows in the first and not in the second'];
  if (!withOurs) notes.push('our gateway not measured in this run');
  for (const n of notes) console.log(`note: ${n}`);
  return { id: 's4-memory', title: 'memory per item', params: { quick: ctx.quick }, outcomes, ratios: {}, notes };
}
