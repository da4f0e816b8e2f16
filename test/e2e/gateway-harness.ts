// Harness for the gateway e2e tests: libcoap's coap-client-notls, the gateway CLI as a child process, and raw UDP.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, type Message } from '../../src/coap/index.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

/** The program's path; throws (fails the test loudly) when it is not installed. */
export { requireBinary as findProgram } from '../support/libcoap.js';

export interface Run {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs coap-client-notls; it exits 0 even for error responses, so callers read stdout/stderr. */
export function coapClient(program: string, args: readonly string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((done, fail) => {
    execFile(program, ['-B', '20', ...args], { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) fail(new Error(`coap-client ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else done({ stdout, stderr });
    });
  });
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

/** Starts `coap-gateway gateway ...args` and waits for the address line on stdout. */
export async function startGatewayCli(args: readonly string[], timeoutMs = 20_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'gateway', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`gateway did not start in time; stderr:\n${stderr}`)), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /^coap:\/\/[^\n]*:(\d+)\n/.exec(stdout);
      if (m !== null) {
        clearTimeout(timer);
        done(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`gateway exited with ${String(code)}; stderr:\n${stderr}`));
    });
  });
  return {
    child,
    port,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A raw UDP client on 127.0.0.1 that records every datagram it receives, decoded. */
export async function rawClient(): Promise<{ port: number; send(data: Buffer, port: number): void; received: Message[]; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  const received: Message[] = [];
  socket.on('message', (data) => {
    const m = decode(Buffer.from(data));
    assert.ok(m.ok, `the gateway sent a malformed datagram ${data.toString('hex')}`);
    received.push(m.value);
  });
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', () => done()));
  return {
    port: socket.address().port,
    send: (data, port) => socket.send(data, port, '127.0.0.1'),
    received,
    close: () => new Promise<void>((done) => socket.close(() => done())),
  };
}

/** Polls `predicate` until it holds (rejects after `timeoutMs`). */
export async function eventually(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
