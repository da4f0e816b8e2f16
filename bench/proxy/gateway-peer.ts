// Our gateway as a bench peer: sessions and permissions on, device names resolved by DNS (then cached).
//
// The token service and the mesh DNS server run in the bench process (they are idle once the gateway's
// DNS cache is warm); the gateway runs alone in a child process pinned to the proxy core, started by
// gateway-child.ts through startGateway (src/app), with the embedded (SQLite) session store.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_NODE_FLAGS } from '../../src/cli/runtime-flags.js';
import { createDnsZone, startDnsServer } from '../../src/simulator/index.js';
import { DEFAULT_AUDIENCE, createTokenService, parseAccounts } from '../../src/token-service/index.js';
import type { CTools } from './c-tools.js';
import { spawnChild } from './child-process.js';
import { nodeChild } from './node-children.js';
import { nodeMemory, repoRoot } from './peers.js';
import type { Device, Peer } from './peers.js';

export interface OursStart {
  readonly tools: CTools;
  readonly core: number;
  readonly devices: readonly Device[];
  readonly domain: string;
  /** 5.04 after this long without a device answer (default 10 s). */
  readonly upstreamDeadlineMs?: number;
}

const ISSUER = 'urn:coap-gateway:bench';
let seq = 0;

/** The bench's gateway configuration (raw, as a config file would hold it). */
export function benchGatewayConfig(o: OursStart, dnsEndpoint: string, jwksFile: string, sessionsDb: string): Record<string, unknown> {
  return {
    listen: [{ host: '127.0.0.1', port: 0 }],
    local: { names: ['localhost', '127.0.0.1'] },
    resolver: { domains: [{ name: o.domain, dnsServers: [dnsEndpoint] }], minTtlSec: 60, maxTtlSec: 3600 },
    forwarding: {
      upstreamDeadlineMs: o.upstreamDeadlineMs ?? 10_000,
      // The bench origin is a fast server, not a mesh NIC: the widest NSTART the config allows, and
      // queues deep enough that the load is measured rather than refused with 5.03.
      nstartPerDevice: 16,
      deviceQueueLimit: 10_000,
      maxInFlight: 100_000,
    },
    sessions: { limitPerAccount: 100_000, store: { kind: 'sqlite', path: sessionsDb } },
    auth: { jwksFile, issuer: ISSUER, audience: DEFAULT_AUDIENCE },
  };
}

export async function startOurs(o: OursStart): Promise<Peer> {
  const zone = createDnsZone({ domains: [o.domain], defaultTtlSec: 3600 });
  for (const d of o.devices) {
    const added = zone.add(d.name, d.address, 3600);
    if (!added.ok) throw new Error(`bench DNS zone: ${added.error}`);
  }
  const dns = await startDnsServer({ zone });
  const accounts = parseAccounts({
    accounts: [{
      clientId: 'bench',
      secret: 'plain:bench-secret-unused',
      sessionLimit: 100_000,
      tokenLifetimeSec: 86_400,
      permissions: [{ devices: [`SSN0013*.${o.domain}`], methods: ['all'] }],
    }],
  });
  if (!accounts.ok) throw new Error(`bench account: ${accounts.error.join('; ')}`);
  const tokens = await createTokenService({ accounts: accounts.value, issuer: ISSUER, audience: DEFAULT_AUDIENCE });
  const stopServices = async (): Promise<void> => {
    await tokens.close();
    await dns.close();
  };
  try {
    const issued = await tokens.issueToken('bench');
    if (!issued.ok) throw new Error(`bench token: ${issued.error}`);
    const n = ++seq;
    const loginFile = join(o.tools.dir, `token-${n}.txt`);
    const jwksFile = join(o.tools.dir, `jwks-${n}.json`);
    const configFile = join(o.tools.dir, `gateway-${n}.json`);
    writeFileSync(loginFile, issued.value.accessToken);
    writeFileSync(jwksFile, JSON.stringify(tokens.jwks()));
    writeFileSync(configFile, JSON.stringify(benchGatewayConfig(o, dns.endpoint, jwksFile, join(o.tools.dir, `sessions-${n}.db`))));
    // BENCH_OURS_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles our gateway during a bench run;
    // BENCH_TRACE=1 writes every datagram it sends and receives to TRACE_FILE (datagram-trace.ts).
    const extra = (process.env.BENCH_OURS_NODE_FLAGS ?? '').split(' ').filter((f) => f.length > 0);
    // The diagnosis flags come after GATEWAY_NODE_FLAGS, so they can override them (V8: the last one wins).
    const args = ['--expose-gc', ...GATEWAY_NODE_FLAGS, ...extra, ...(process.env.BENCH_TRACE === '1' ? ['--import', 'tsx', '--import', join(repoRoot, 'bench', 'proxy', 'datagram-trace.ts')] : []), nodeChild('gateway-child'), configFile];
    const child = spawnChild('ours', process.execPath, args, { core: o.core, cwd: repoRoot });
    let port: number;
    try {
      ({ port } = await child.nextJson<{ port: number }>(60_000));
    } catch (e) {
      await child.stop();
      throw e;
    }
    return {
      name: 'ours',
      dest: `127.0.0.1:${port}`,
      pid: child.pid,
      loginFile,
      uri: (d, path) => `coap://${d.name}:${d.port}/${path}`,
      memory: () => nodeMemory(child),
      stop: async () => {
        await child.stop();
        await stopServices();
      },
    };
  } catch (e) {
    await stopServices();
    throw e;
  }
}
