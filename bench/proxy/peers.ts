// The proxies measured side by side (libcoap, raw Node.js relay, node-coap, ours) and the direct baseline.
import { createSocket } from 'node:dgram';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './child-process.js';
import { nodeChild, type NodeChild } from './node-children.js';
import type { Child } from './child-process.js';
import { rssBytes } from './proc-stats.js';

export type PeerName = 'direct' | 'ours' | 'libcoap' | 'raw-relay' | 'node-coap';
export const PROXY_PEERS: readonly PeerName[] = ['ours', 'libcoap', 'raw-relay', 'node-coap'];

/** One origin address standing in for a device; `name` is its DNS name (used by our gateway only). */
export interface Device {
  readonly address: string;
  readonly port: number;
  readonly name: string;
}

export interface PeerMemory {
  readonly rss: number;
  /** V8 heap after a full GC; Node.js peers only. */
  readonly heapUsed?: number;
}

export interface Peer {
  readonly name: PeerName;
  /** "127.0.0.1:port" for the load generator, or undefined for the direct baseline. */
  readonly dest: string | undefined;
  readonly pid: number | undefined;
  /** Token file for POST /sessions (our gateway only). */
  readonly loginFile: string | undefined;
  /** The URI the load generator asks this peer for (Proxy-Uri), or sends to (direct). */
  uri(device: Device, path: string): string;
  memory(): Promise<PeerMemory>;
  stop(): Promise<void>;
}

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ipUri = (d: Device, path: string): string => `coap://${d.address}:${d.port}/${path}`;

export function directPeer(): Peer {
  return {
    name: 'direct',
    dest: undefined,
    pid: undefined,
    loginFile: undefined,
    uri: ipUri,
    memory: () => Promise.resolve({ rss: Number.NaN }),
    stop: () => Promise.resolve(),
  };
}

/** Memory of a Node.js peer that answers "mem" on stdin (child-control.ts). */
export async function nodeMemory(child: Child): Promise<PeerMemory> {
  child.send('mem');
  const r = await child.nextJson<{ mem: { rss: number; heapUsed: number } }>(30_000);
  return { rss: r.mem.rss, heapUsed: r.mem.heapUsed };
}

async function startNodePeer(name: PeerName, script: NodeChild, core: number | undefined): Promise<Peer> {
  // BENCH_PEER_NODE_FLAGS='--cpu-prof --cpu-prof-dir=DIR' profiles the raw relay / node-coap children.
  const extra = (process.env.BENCH_PEER_NODE_FLAGS ?? '').split(' ').filter((f) => f.length > 0);
  const args = [...extra, '--expose-gc', nodeChild(script), '--host', '127.0.0.1', '--port', '0'];
  const child = spawnChild(name, process.execPath, args, core === undefined ? { cwd: repoRoot } : { core, cwd: repoRoot });
  const { port } = await child.nextJson<{ port: number }>(30_000);
  return {
    name,
    dest: `127.0.0.1:${port}`,
    pid: child.pid,
    loginFile: undefined,
    uri: ipUri,
    memory: () => nodeMemory(child),
    stop: () => child.stop(),
  };
}

export const startRawRelay = (core?: number): Promise<Peer> => startNodePeer('raw-relay', 'raw-relay', core);
export const startNodeCoap = (core?: number): Promise<Peer> => startNodePeer('node-coap', 'node-coap-proxy', core);

/** A UDP port that was free a moment ago (libcoap cannot be told to pick one and report it). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once a CoAP ping (RFC 7252 §4.2: empty CON) to the port is answered with RST. */
export async function waitForCoap(port: number, timeoutMs = 5000): Promise<void> {
  const s = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const ping = (): void => {
        if (Date.now() > deadline) {
          reject(new Error(`no CoAP answer on 127.0.0.1:${port} within ${timeoutMs} ms`));
          return;
        }
        s.send(Buffer.from([0x40, 0, 0x12, 0x34]), port, '127.0.0.1');
        timer = setTimeout(ping, 100);
      };
      let timer = setTimeout(ping, 0);
      s.on('message', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    s.close();
  }
}

/**
 * libcoap 4.3's example server as a forward proxy. `-P ',NAME'`: no next hop (a direct connection to the
 * target), and NAME is the host name it answers for itself; with no name at all it serves every request
 * locally (checked with libcoap 4.3.1), so the bench gives it a name no target uses.
 */
export async function startLibcoap(core?: number): Promise<Peer> {
  const port = await freeUdpPort();
  const args = ['-A', '127.0.0.1', '-p', String(port), '-P', ',bench-proxy.invalid', '-v', '0'];
  const child = spawnChild('libcoap', 'coap-server-notls', args, core === undefined ? { exitsOnEof: false } : { core, exitsOnEof: false });
  let up = false;
  const answering = waitForCoap(port).then(() => {
    up = true;
  });
  const died = child.exited.then((code) => {
    if (!up) throw new Error(`coap-server-notls exited (${code}) before answering; is libcoap3-bin installed?`);
  });
  answering.catch(() => undefined);
  died.catch(() => undefined);
  try {
    await Promise.race([answering, died]);
  } catch (e) {
    await child.stop();
    throw e;
  }
  return {
    name: 'libcoap',
    dest: `127.0.0.1:${port}`,
    pid: child.pid,
    loginFile: undefined,
    uri: ipUri,
    memory: () => Promise.resolve({ rss: rssBytes(child.pid) }),
    stop: () => child.stop(),
  };
}
