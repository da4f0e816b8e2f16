// Child processes of the proxy bench: spawned (optionally pinned to a core), read as JSON lines, all killed at the end.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** The next JSON object the child prints on stdout. */
  nextJson<T>(timeoutMs?: number): Promise<T>;
  /** Writes one line to the child's stdin. */
  send(line: string): void;
  /** Closes stdin (our children exit on EOF), then escalates to SIGTERM / SIGKILL. */
  stop(): Promise<void>;
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** Pin to this CPU core with `taskset -c`. */
  readonly core?: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** False for programs that ignore stdin EOF (libcoap): `stop` sends SIGTERM at once. Default true. */
  readonly exitsOnEof?: boolean;
}

const live = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = (): void => {
    for (const c of live) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

export function spawnChild(name: string, command: string, args: readonly string[], opts: SpawnOptions = {}): Child {
  hookExit();
  const [cmd, argv] = opts.core === undefined ? [command, [...args]] : ['taskset', ['-c', String(opts.core), command, ...args]];
  const proc = spawn(cmd, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  live.add(proc);
  const pid = proc.pid;
  const jsonLines: unknown[] = [];
  const waiters: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  const stderr: string[] = [];
  let ended = false;
  const exited = new Promise<number | null>((resolve) => {
    proc.on('exit', (code) => {
      live.delete(proc);
      ended = true;
      for (const w of waiters.splice(0)) w.reject(new Error(`${name} exited (${code}) before printing JSON:\n${stderr.join('').slice(-2000)}`));
      resolve(code);
    });
  });
  proc.on('error', () => undefined);
  proc.stdin.on('error', () => undefined);
  proc.stderr.on('data', (d: Buffer) => {
    stderr.push(d.toString());
    if (stderr.length > 50) stderr.shift();
  });
  createInterface({ input: proc.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) {
      // BENCH_CHILD_LOG=FILE keeps the children's other output (e.g. node --trace-gc) for diagnosis.
      const log = process.env.BENCH_CHILD_LOG;
      if (log !== undefined) appendFileSync(log, `${name}: ${line}\n`);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    const w = waiters.shift();
    if (w !== undefined) w.resolve(value);
    else jsonLines.push(value);
  });
  return {
    name,
    pid,
    exited,
    nextJson<T>(timeoutMs = 60_000): Promise<T> {
      if (jsonLines.length > 0) return Promise.resolve(jsonLines.shift() as T);
      if (ended) return Promise.reject(new Error(`${name} has exited:\n${stderr.join('').slice(-2000)}`));
      return new Promise<T>((resolve, reject) => {
        const waiter = { resolve: (v: unknown) => { clearTimeout(timer); resolve(v as T); }, reject: (e: Error) => { clearTimeout(timer); reject(e); } };
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`${name}: no JSON line within ${timeoutMs} ms:\n${stderr.join('').slice(-2000)}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    send(line: string): void {
      if (!ended) proc.stdin.write(`${line}\n`);
    },
    async stop(): Promise<void> {
      if (ended) return;
      proc.stdin.end();
      if (opts.exitsOnEof === false) proc.kill('SIGTERM');
      const escalate = async (signal: NodeJS.Signals, waitMs: number): Promise<boolean> => {
        const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), waitMs))]);
        if (!done && !ended) proc.kill(signal);
        return done;
      };
      if (await escalate('SIGTERM', 1500)) return;
      if (await escalate('SIGKILL', 1500)) return;
      await exited;
    },
  };
}

/** Kills every child still running (used when a run fails half-way). */
export async function stopAllChildren(): Promise<void> {
  for (const c of live) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 50));
}
