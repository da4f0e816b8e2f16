// libcoap helpers for e2e tests: locate the binaries (failing loudly), run coap-client, run coap-server.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { bindUdp } from '../../src/transport/index.js';

/** The Debian package of each program the e2e tests run (.ci/run installs them). */
const DEBIAN_PACKAGE: Readonly<Record<string, string>> = { 'redis-server': 'redis-server', dig: 'bind9-dnsutils', dnsmasq: 'dnsmasq-base' };

/** Absolute path of a binary on PATH; throws a clear error when missing (tests must fail, not skip). */
export function requireBinary(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is not installed (Debian: apt-get install -y ${DEBIAN_PACKAGE[name] ?? 'libcoap3-bin'}); this e2e test needs it`);
}

export interface ClientRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs coap-client-notls with `args` and resolves when it exits (killed after `timeoutMs`). */
export function runCoapClient(args: readonly string[], timeoutMs = 20_000): Promise<ClientRun> {
  const bin = requireBinary('coap-client-notls');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A free UDP port on 127.0.0.1 right now (bind port 0, read it, close). */
export async function freeUdpPort(): Promise<number> {
  const t = await bindUdp({ host: '127.0.0.1', port: 0 });
  const port = t.local.port;
  await t.close();
  return port;
}

export interface RunningServer {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts `coap-server-notls -A 127.0.0.1 -p <port>` on a port that was free a moment ago; retries
 * with another port when the server exits at once (a collision).
 */
export async function startCoapServer(extraArgs: readonly string[] = []): Promise<RunningServer> {
  const bin = requireBinary('coap-server-notls');
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeUdpPort();
    const child = spawn(bin, ['-A', '127.0.0.1', '-p', String(port), ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exitedEarly = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!exitedEarly) return { port, stop: () => stopChild(child) };
  }
  throw new Error('coap-server-notls did not stay up on any of 5 ports');
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
