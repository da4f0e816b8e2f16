// The bench origin (origin.c) as a child process: one or many loopback addresses, optional response delay.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild } from './child-process.js';
import type { CTools } from './c-tools.js';

export interface OriginStats {
  readonly requests: number;
  readonly con: number;
  readonly non: number;
  readonly observe: number;
  readonly acks_in: number;
  readonly silent: number;
  readonly delayed_sent: number;
  readonly delayed_pending: number;
  readonly malformed: number;
  readonly distinct_addresses: number;
}

export interface Origin {
  readonly port: number;
  readonly addresses: readonly string[];
  readonly pid: number;
  /** Counters since the last call (the origin resets them). */
  stats(): Promise<OriginStats>;
  stop(): Promise<void>;
}

export interface OriginOptions {
  readonly addresses: readonly string[];
  readonly delayMs?: number;
  readonly core?: number;
}

let seq = 0;

export async function startOrigin(tools: CTools, opts: OriginOptions): Promise<Origin> {
  const file = join(tools.dir, `origin-addrs-${++seq}.txt`);
  writeFileSync(file, `${opts.addresses.join('\n')}\n`);
  const args = ['--addrs', file, '--delay-ms', String(opts.delayMs ?? 0)];
  const child = spawnChild('origin', tools.origin, args, opts.core === undefined ? {} : { core: opts.core });
  const ready = await child.nextJson<{ port: number; addresses: number }>(30_000);
  if (ready.addresses !== opts.addresses.length) throw new Error(`origin bound ${ready.addresses} of ${opts.addresses.length} addresses`);
  return {
    port: ready.port,
    addresses: opts.addresses,
    pid: child.pid,
    async stats(): Promise<OriginStats> {
      child.send('stats');
      return child.nextJson<OriginStats>(10_000);
    },
    stop: () => child.stop(),
  };
}

/** `n` loopback addresses 127.1.0.1, 127.1.0.2, ... (host parts .0 and .255 skipped). */
export function loopbackAddresses(n: number, secondOctet = 1): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const third = Math.floor(i / 254);
    const fourth = (i % 254) + 1;
    if (third > 255) throw new Error(`too many addresses: ${n}`);
    out.push(`127.${secondOctet}.${third}.${fourth}`);
  }
  return out;
}
