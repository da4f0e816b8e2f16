// Compiles the bench's C load generator and origin with `gcc -O2` into a temporary directory, at run time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CTools {
  readonly loadgen: string;
  readonly origin: string;
  /** Scratch directory for the run (binaries, URI lists, token files); removed by `dispose`. */
  readonly dir: string;
  dispose(): void;
}

const here = dirname(fileURLToPath(import.meta.url));

export function buildCTools(): CTools {
  const dir = mkdtempSync(join(tmpdir(), 'coap-proxy-bench-'));
  const build = (name: string): string => {
    const out = join(dir, name);
    try {
      execFileSync('gcc', ['-O2', '-Wall', '-o', out, join(here, `${name}.c`)], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const detail = e instanceof Error && 'stderr' in e ? String((e as { stderr: unknown }).stderr) : String(e);
      throw new Error(`could not compile bench/proxy/${name}.c with gcc -O2 (is gcc installed?):\n${detail}`);
    }
    return out;
  };
  const tools = { loadgen: build('loadgen'), origin: build('origin'), dir };
  return {
    ...tools,
    dispose(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
