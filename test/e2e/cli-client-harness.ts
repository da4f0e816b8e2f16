// Harness for the CLI client e2e tests: runs the real `coap-gateway` CLI as a child process with its own state file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A scratch folder with a state file path; `cleanup()` removes it. */
export function scratch(): { readonly dir: string; readonly statePath: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cli-client-'));
  return { dir, statePath: join(dir, 'state', 'client.json'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts the CLI; the state file comes from COAP_GATEWAY_STATE so the user's own is never touched. */
export function spawnCli(args: readonly string[], statePath: string, stdin?: string | Buffer): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, COAP_GATEWAY_STATE: statePath, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(stdin);
  return child;
}

/** Runs the CLI to completion (killed after `timeoutMs`, which fails the test through the null exit code). */
export function runCli(args: readonly string[], statePath: string, options: { stdin?: string | Buffer; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawnCli(args, statePath, options.stdin);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Resolves once `predicate` holds for the child's stdout so far (rejects after `timeoutMs`). */
export function waitForOutput(child: ChildProcess, predicate: (stdout: string) => boolean, timeoutMs = 20_000): Promise<string> {
  let stdout = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`timed out waiting for output; got: ${stdout}`)), timeoutMs);
    const onData = (d: Buffer | string): void => {
      stdout += d.toString();
      if (predicate(stdout)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        done(stdout);
      }
    };
    child.stdout?.on('data', onData);
  });
}

/** Waits for the child to exit and collects the rest of its output. */
export function exitOf(child: ChildProcess, timeoutMs = 20_000): Promise<{ code: number | null; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout?.on('data', (d: Buffer | string) => (stdout += d.toString()));
  return new Promise((done) => {
    if (child.exitCode !== null) {
      done({ code: child.exitCode, stderr, stdout });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stderr, stdout });
    });
  });
}
