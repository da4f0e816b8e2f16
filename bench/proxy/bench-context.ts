// What every scenario of the proxy bench gets: compiled tools, run size, core pinning, and peer start-up.
import type { CTools } from './c-tools.js';
import { startOrigin, loopbackAddresses } from './origin-process.js';
import type { Origin } from './origin-process.js';
import { directPeer, startLibcoap, startNodeCoap, startRawRelay } from './peers.js';
import type { Device, Peer, PeerName } from './peers.js';
import { startOurs } from './gateway-peer.js';

export interface BenchContext {
  readonly tools: CTools;
  readonly quick: boolean;
  readonly reps: number;
  /** Core the proxies are pinned to (`taskset -c`). */
  readonly proxyCore: number;
  /** Core the load generator and the origin share. */
  readonly loadCore: number;
  /** Peers to measure, 'direct' (the ceiling) first. */
  readonly peers: readonly PeerName[];
  readonly domain: string;
}

/** Device i: a loopback address of the origin and a DNS name SSN<MAC>.<domain> (16 hex digit MAC from i). */
export function devicesOf(origin: Origin, domain: string): Device[] {
  return origin.addresses.map((address, i) => ({
    address,
    port: origin.port,
    name: `SSN00135005${i.toString(16).toUpperCase().padStart(8, '0')}.${domain}`,
  }));
}

export async function startBenchOrigin(ctx: BenchContext, count: number, delayMs = 0): Promise<{ origin: Origin; devices: Device[] }> {
  const origin = await startOrigin(ctx.tools, { addresses: loopbackAddresses(count), delayMs, core: ctx.loadCore });
  return { origin, devices: devicesOf(origin, ctx.domain) };
}

export interface OursOptions {
  /** Device leg deadline: 5.04 after this (default: the bench's 10 s). */
  readonly upstreamDeadlineMs?: number;
}

export async function startPeer(ctx: BenchContext, name: PeerName, devices: readonly Device[], ours: OursOptions = {}): Promise<Peer> {
  switch (name) {
    case 'direct':
      return directPeer();
    case 'libcoap':
      return startLibcoap(ctx.proxyCore);
    case 'raw-relay':
      return startRawRelay(ctx.proxyCore);
    case 'node-coap':
      return startNodeCoap(ctx.proxyCore);
    case 'ours':
      return startOurs({ tools: ctx.tools, core: ctx.proxyCore, devices, domain: ctx.domain, ...ours });
  }
}

/** Starts the peers one by one; a peer that fails to start is reported, not fatal. */
export async function startPeers(
  ctx: BenchContext,
  names: readonly PeerName[],
  devices: readonly Device[],
  ours: OursOptions = {},
): Promise<{ peers: Peer[]; failed: Map<PeerName, string> }> {
  const peers: Peer[] = [];
  const failed = new Map<PeerName, string>();
  for (const n of names) {
    try {
      peers.push(await startPeer(ctx, n, devices, ours));
    } catch (e) {
      failed.set(n, e instanceof Error ? e.message.split('\n')[0] ?? e.message : String(e));
      console.log(`  ${n}: not started: ${failed.get(n) ?? ''}`);
    }
  }
  return { peers, failed };
}

export async function stopPeers(peers: readonly Peer[]): Promise<void> {
  for (const p of peers) await p.stop();
}
