// startDemo: the all-in-one demo's composition root: token service, mesh DNS + simulator, gateway.
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cryptoRandom } from '../base/index.js';
import type { Logger } from '../telemetry/index.js';
import { parseConfig } from '../config/index.js';
import { loadAccountsFile, parseAccounts, startTokenService, type Account, type RunningTokenService } from '../token-service/index.js';
import { startGateway, type RunningGateway } from './gateway-app.js';
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from './simulator-app.js';
import { demoCommands, type DemoCommand } from './demo-commands.js';

export interface StartDemoOptions {
  /** Gateway CoAP port: default 5683 where free, else an OS-chosen one; 0 = OS-chosen. */
  readonly port?: number;
  /** Token service HTTP port; default 0 (OS-chosen). */
  readonly httpPort?: number;
  readonly devices?: number;
  readonly milliNics?: number;
  readonly domain?: string;
  readonly accountsFile?: string;
  /** Keeps keys and sessions here (persistent across demo runs); default a fresh temporary folder. */
  readonly dataDir?: string;
  /** One-way mesh delay per hop, ms (default 20: a realistic but quick mesh). */
  readonly meshDelayMs?: number;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly logger?: Logger;
}

/** The fields of `coap-gateway demo --json`: a stable interface (SPEC §4): add, never rename. */
export interface DemoInfo {
  readonly gateway: { readonly host: string; readonly port: number; readonly uri: string };
  readonly tokenService: { readonly url: string; readonly tokenUrl: string; readonly jwksUrl: string; readonly port: number };
  readonly dns: { readonly host: string; readonly port: number };
  readonly domain: string;
  readonly devices: readonly string[];
  readonly milliNics: readonly string[];
  readonly account: { readonly clientId: string; readonly clientSecret: string | null };
  readonly token: string;
  readonly tokenExpiresIn: number;
  /** The local port the printed coap-client commands use (sessions are bound to the client's socket). */
  readonly clientPort: number;
  readonly dataDir: string;
  readonly commands: readonly DemoCommand[];
}

export interface RunningDemo {
  readonly info: DemoInfo;
  readonly gateway: RunningGateway;
  readonly simulator: RunningSimulator;
  readonly tokenService: RunningTokenService;
  close(): Promise<void>;
}

const DEMO_CLIENT_ID = 'demo';
const HOST = '127.0.0.1';

/** A UDP port that was free a moment ago (for the printed `coap-client -p` and for "5683 where free"). */
export function freeUdpPort(preferred = 0): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      if (preferred === 0) resolve(0);
      else void freeUdpPort(0).then(resolve);
    });
    s.bind(preferred, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function demoAccounts(file: string | undefined): Promise<{ accounts: Account[]; secret: string | null }> {
  if (file !== undefined) {
    const loaded = await loadAccountsFile(file);
    if (!loaded.ok) throw new Error(`accounts file ${file}:\n  ${[loaded.error].flat().join('\n  ')}`);
    return { accounts: [...loaded.value], secret: null };
  }
  const secret = cryptoRandom.bytes(12).toString('base64url');
  const parsed = parseAccounts({
    accounts: [{ clientId: DEMO_CLIENT_ID, secret: `plain:${secret}`, permissions: [{ devices: ['*'], methods: ['all'] }] }],
  });
  if (!parsed.ok) throw new Error(`demo account: ${[parsed.error].flat().join('; ')}`);
  return { accounts: [...parsed.value], secret };
}

const ADDRESSES_PER_BLOCK = 254;

/**
 * Starts the fleet at 127.1.0.1 when free, else in another 127.x block, so that a second demo on the
 * same machine does not collide (device sockets use fixed ports 5683/4849 on their own addresses).
 */
async function startFleetSomewhere(options: StartSimulatorOptions): Promise<RunningSimulator> {
  const blocks = Math.ceil((options.devices + (options.milliNics ?? 0)) / ADDRESSES_PER_BLOCK);
  let lastError: unknown;
  for (let attempt = 0; attempt < 8; attempt++) {
    const firstBlock = attempt === 0 ? 0 : cryptoRandom.int(1, 40_000 - blocks);
    try {
      return await startSimulator({ ...options, firstAddressIndex: firstBlock * ADDRESSES_PER_BLOCK });
    } catch (e) {
      lastError = e;
      if (!(e instanceof Error) || !e.message.includes('EADDRINUSE')) throw e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

export async function startDemo(options: StartDemoOptions = {}): Promise<RunningDemo> {
  const domain = options.domain ?? 'starfish.test';
  const logLevel = options.logLevel ?? 'warn';
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'coap-gateway-demo-'));
  mkdirSync(dataDir, { recursive: true });
  const closers: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const { accounts, secret } = await demoAccounts(options.accountsFile);
    const first = accounts[0];
    if (first === undefined) throw new Error('the accounts file has no account');
    const tokenService = await startTokenService({ accounts, dataDir: join(dataDir, 'keys'), host: HOST, port: options.httpPort ?? 0 });
    closers.push(() => tokenService.close());

    const devices = options.devices ?? 100;
    const milliNics = options.milliNics ?? Math.min(3, Math.floor(devices / 10));
    const simulator = await startFleetSomewhere({
      devices: devices - milliNics,
      milliNics,
      domain,
      dnsHost: HOST,
      dnsPort: 0,
      delayMs: options.meshDelayMs ?? 20,
      logLevel,
      plugtest: Math.min(devices, 2),
      // /time notifies every second, so a 5-second observe in the walk-through shows a few.
      observePeriodMs: 1000,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    closers.push(() => simulator.close());

    const port = options.port === undefined ? await freeUdpPort(5683) : options.port;
    const config = parseConfig({
      listen: [{ host: HOST, port }],
      local: { names: ['localhost', HOST] },
      resolver: { domains: [{ name: domain, dnsServers: [`${HOST}:${simulator.dns.port}`] }] },
      sessions: { store: { kind: 'sqlite', path: join(dataDir, 'sessions.db') } },
      auth: { jwksUrl: tokenService.jwksUrl, issuer: tokenService.issuer, audience: tokenService.audience },
    });
    if (!config.ok) throw new Error(`demo gateway config:\n  ${config.error.join('\n  ')}`);
    const gateway = await startGateway(config.value, { logLevel, ...(options.logger === undefined ? {} : { logger: options.logger }) });
    closers.push(() => gateway.close());

    const issued = await tokenService.issueToken(first.clientId);
    if (!issued.ok) throw new Error(`demo token: ${issued.error}`);
    const clientPort = await freeUdpPort(0);
    const nics = simulator.fleet.devices.filter((d) => d.identity.kind === 'nic').map((d) => d.identity.name);
    const minis = simulator.fleet.devices.filter((d) => d.identity.kind !== 'nic').map((d) => d.identity.name);
    const gatewayInfo = { host: HOST, port: gateway.port, uri: `coap://${HOST}:${gateway.port}` };
    const info: DemoInfo = {
      gateway: gatewayInfo,
      tokenService: { url: tokenService.url, tokenUrl: tokenService.tokenUrl, jwksUrl: tokenService.jwksUrl, port: Number(new URL(tokenService.url).port) },
      dns: { host: HOST, port: simulator.dns.port },
      domain,
      devices: nics,
      milliNics: minis,
      account: { clientId: first.clientId, clientSecret: secret },
      token: issued.value.accessToken,
      tokenExpiresIn: issued.value.expiresInSec,
      clientPort,
      dataDir,
      commands: demoCommands({ gatewayUri: gatewayInfo.uri, clientPort, token: issued.value.accessToken, device: nics[0] ?? minis[0] ?? `SSN0000000000000000.${domain}` }),
    };
    return { info, gateway, simulator, tokenService, close };
  } catch (e) {
    await close();
    throw e;
  }
}
