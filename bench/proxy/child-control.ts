// Stdin control of a bench child process: the line "mem" prints its memory as one JSON line; EOF ends it.
import { createInterface } from 'node:readline';

/** Memory of this process after a full GC (when started with --expose-gc), in bytes. */
export function memorySnapshot(): { rss: number; heapUsed: number; external: number; arrayBuffers: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Wires stdin: "mem" answers with a memory line; EOF (the parent closed it or died) calls `close` and exits. */
export function attachControl(close: () => void | Promise<void>): void {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.trim() === 'mem') console.log(JSON.stringify({ mem: memorySnapshot() }));
  });
  rl.on('close', () => {
    void Promise.resolve()
      .then(close)
      .catch(() => undefined)
      .finally(() => process.exit(0));
  });
}
