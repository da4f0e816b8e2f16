// Harness for the plugtest/Observe/block-wise e2e files: simulator with a device-leg tap, token service, gateway, coap-client.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cryptoRandom, seededRandom, systemClock } from '../../src/base/index.js';
import { Code, OptionNumber, decode, getUintOption, type Message } from '../../src/coap/index.js';
import { mergeRaw, parseConfig } from '../../src/config/index.js';
import { freeUdpPort, startGateway, type RunningGateway } from '../../src/app/index.js';
import type { GatewayStats } from '../../src/gateway/index.js';
import { createDnsZone, createFleet, startDnsServer, type Device, type Fleet, type RunningDnsServer } from '../../src/simulator/index.js';
import { parseAccounts, startTokenService, type RunningTokenService } from '../../src/token-service/index.js';
import { bindUdp, type DatagramTransport, type PeerAddress } from '../../src/transport/index.js';
import { findProgram } from './gateway-harness.js';
import { ClientRelay } from './gateway-td-relay.js';

/** One datagram seen at a device's socket: `in` = sent to the device (by the gateway), `out` = sent by it. */
export interface TapEntry {
  readonly at: number;
  readonly dir: 'in' | 'out';
  readonly device: string;
  readonly peer: PeerAddress;
  readonly message: Message;
}

/** The device leg, as the devices' sockets saw it (before the simulated mesh drops anything). */
export class DeviceTap {
  readonly entries: TapEntry[] = [];

  wrap(transport: DatagramTransport): DatagramTransport {
    const device = transport.local.address;
    const record = (dir: 'in' | 'out', data: Buffer, peer: PeerAddress): void => {
      const m = decode(Buffer.from(data));
      if (m.ok) this.entries.push({ at: Date.now(), dir, device, peer, message: m.value });
    };
    return {
      get local() {
        return transport.local;
      },
      send: (data, to) => {
        record('out', data, to);
        transport.send(data, to);
      },
      onDatagram: (handler) =>
        transport.onDatagram((data, from) => {
          record('in', data, from);
          handler(data, from);
        }),
      close: () => transport.close(),
    };
  }

  /** Position to count from (`since(mark)`). */
  mark(): number {
    return this.entries.length;
  }

  /** Requests (codes 0.01-0.31) that reached `device` after `mark`. */
  requests(device: Device, mark = 0): Message[] {
    return this.entries
      .slice(mark)
      .filter((e) => e.dir === 'in' && e.device === device.identity.address && e.message.code >= 1 && e.message.code <= 31)
      .map((e) => e.message);
  }

  /** Datagrams of any kind that reached `device` after `mark`. */
  received(device: Device, mark = 0): Message[] {
    return this.entries.slice(mark).filter((e) => e.dir === 'in' && e.device === device.identity.address).map((e) => e.message);
  }

  /** Observe registrations (GET/FETCH with Observe 0) that reached `device` after `mark`, retransmissions excluded. */
  registrations(device: Device, mark = 0): Message[] {
    const seen = new Set<number>();
    return this.requests(device, mark).filter((m) => {
      if (getUintOption(m, OptionNumber.OBSERVE) !== 0 || seen.has(m.messageId)) return false;
      seen.add(m.messageId);
      return m.code === Code.GET || m.code === Code.FETCH;
    });
  }
}

export interface TdWorldOptions {
  /** Loopback block of the devices: 254 * N with N unique among the e2e files. */
  readonly firstAddressIndex: number;
  readonly devices?: number;
  readonly plugtest?: number;
  readonly observePeriodMs?: number;
  readonly domain?: string;
  /** Raw configuration merged over the harness's (e.g. `{ client: { ackTimeoutMs: 500 } }`). */
  readonly gateway?: Record<string, unknown>;
}

export interface ClientRun {
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnedClient {
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the program exited (by itself or killed). */
  readonly done: Promise<ClientRun>;
  kill(signal?: NodeJS.Signals): void;
}

export class TdWorld {
  readonly tap = new DeviceTap();
  readonly cc = findProgram('coap-client-notls');
  readonly dir = mkdtempSync(join(tmpdir(), 'gw-td-'));
  readonly tokenFile = join(this.dir, 'token');
  fleet!: Fleet;
  gateway!: RunningGateway;
  /** Every coap-client of the harness talks to the gateway through this client-leg tap. */
  relay!: ClientRelay;
  private dns: RunningDnsServer | undefined;
  private tokens: RunningTokenService | undefined;
  private readonly children = new Set<SpawnedClient>();

  private constructor(readonly domain: string) {}

  static async start(options: TdWorldOptions): Promise<TdWorld> {
    const w = new TdWorld(options.domain ?? 'plugtest.test');
    try {
      await w.boot(options);
    } catch (e) {
      await w.close();
      throw e;
    }
    return w;
  }

  private async boot(options: TdWorldOptions): Promise<void> {
    this.fleet = await createFleet({
      count: options.devices ?? 1,
      plugtestCount: options.plugtest ?? options.devices ?? 1,
      domain: this.domain,
      clock: systemClock,
      random: seededRandom(options.firstAddressIndex),
      deviceRandom: cryptoRandom,
      bindTransport: async (address, port) => this.tap.wrap(await bindUdp({ host: address, port })),
      firstAddressIndex: options.firstAddressIndex,
      config: { observePeriodMs: options.observePeriodMs ?? 1000 },
    });
    const zone = createDnsZone({ domains: [this.domain], defaultTtlSec: 300 });
    for (const r of this.fleet.records) assert.ok(zone.add(r.name, r.address).ok);
    this.dns = await startDnsServer({ host: '127.0.0.1', port: 0, zone });
    const accounts = parseAccounts({ accounts: [{ clientId: 'tester', secret: 'plain:t', sessionLimit: 50, permissions: [{ devices: ['*'], methods: ['all'] }] }] });
    assert.ok(accounts.ok);
    this.tokens = await startTokenService({ accounts: accounts.value, issuer: 'urn:test:td' });
    const token = await this.tokens.issueToken('tester');
    assert.ok(token.ok);
    writeFileSync(this.tokenFile, token.value.accessToken);
    const raw = mergeRaw(
      {
        listen: [{ host: '127.0.0.1', port: 0 }],
        resolver: { domains: [{ name: this.domain, dnsServers: [this.dns.endpoint] }] },
        forwarding: { upstreamDeadlineMs: 5000 },
        sessions: { store: { kind: 'memory' } },
        auth: { jwksUrl: this.tokens.jwksUrl, issuer: 'urn:test:td' },
      },
      options.gateway ?? {},
    );
    const config = parseConfig(raw);
    assert.ok(config.ok, config.ok ? '' : config.error.join('\n'));
    this.gateway = await startGateway(config.value, { logLevel: 'warn' });
    this.relay = await ClientRelay.start(this.gateway.port);
  }

  /** The gateway as the harness's clients reach it (through the relay). */
  get gw(): string {
    return `coap://127.0.0.1:${this.relay.port}`;
  }

  device(i = 0): Device {
    const d = this.fleet.devices[i];
    assert.ok(d, `no device ${i}`);
    return d;
  }

  /** `coap://SSN....<domain>:port<path>` of device `i`. */
  uri(path: string, i = 0): string {
    const d = this.device(i);
    return `coap://${d.identity.name}:${d.identity.port}${path}`;
  }

  stats(): GatewayStats {
    const g = this.gateway.gateways[0];
    assert.ok(g);
    return g.stats();
  }

  /** Runs coap-client (default patience 20 s) and collects its output; it exits 0 even for errors. */
  run(args: readonly string[], timeoutMs = 40_000): Promise<ClientRun> {
    const child = this.spawn(args);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    return child.done.finally(() => clearTimeout(timer));
  }

  /** Starts coap-client in the background (killed at close() if still running). */
  spawn(args: readonly string[]): SpawnedClient {
    const p = spawn(this.cc, ['-B', '20', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const client: SpawnedClient = {
      stdout: () => stdout,
      stderr: () => stderr,
      done: new Promise<ClientRun>((done, fail) => {
        p.once('error', fail);
        p.once('close', () => {
          this.children.delete(client);
          done({ stdout, stderr });
        });
      }),
      kill: (signal = 'SIGTERM') => {
        if (p.exitCode === null && p.signalCode === null) p.kill(signal);
      },
    };
    this.children.add(client);
    return client;
  }

  /** coap-client through the gateway from client port `port`, `-v 6` (every message printed). */
  via(port: number, args: readonly string[], path: string, device = 0): Promise<ClientRun> {
    return this.run(['-v', '6', '-p', String(port), '-P', this.gw, ...args, this.uri(path, device)]);
  }

  /** POST /sessions with the token from `port`; asserts 2.01. */
  async login(port: number): Promise<void> {
    const r = await this.run(['-v', '6', '-m', 'post', '-t', '0', '-f', this.tokenFile, '-p', String(port), `${this.gw}/sessions`]);
    assert.match(r.stdout, /c:2\.01/, `login from ${port}: ${r.stdout}${r.stderr}`);
  }

  /** A fresh client port with its own session. */
  async session(): Promise<number> {
    const port = await freeUdpPort();
    await this.login(port);
    return port;
  }

  async logout(port: number): Promise<ClientRun> {
    return this.run(['-v', '6', '-m', 'delete', '-p', String(port), `${this.gw}/sessions`]);
  }

  async close(): Promise<void> {
    for (const c of [...this.children]) {
      c.kill('SIGKILL');
      await c.done.catch(() => undefined);
    }
    await this.relay?.close();
    await this.gateway?.close();
    await this.tokens?.close();
    await this.dns?.close();
    await this.fleet?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The messages coap-client printed with `-v 6`: one per `v:1 t:... c:...` line. */
export interface LoggedMessage {
  readonly type: string;
  readonly code: string;
  readonly mid: number;
  readonly token: string;
  readonly options: string;
  readonly payload: string;
  readonly line: string;
}

export function parseLog(stdout: string): LoggedMessage[] {
  const out: LoggedMessage[] = [];
  for (const line of stdout.split('\n')) {
    const m = /v:1 t:(CON|NON|ACK|RST) c:(\S+) i:([0-9a-f]+) \{([0-9a-f]*)\} \[ ?(.*?) ?\](?: :: '(.*)')?/.exec(line);
    if (m === null) continue;
    out.push({ type: m[1] ?? '', code: m[2] ?? '', mid: parseInt(m[3] ?? '0', 16), token: m[4] ?? '', options: m[5] ?? '', payload: m[6] ?? '', line });
  }
  return out;
}

/** Waits `ms` of real time (e2e only). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `predicate` holds; rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
