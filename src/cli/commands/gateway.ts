// `coap-gateway gateway --config FILE [...]` (alias `serve`): runs the CoAP forward proxy and prints where it listens.
import type { Command } from 'commander';
import { startGateway } from '../../app/index.js';
import { loadConfig } from '../../config/index.js';

interface GatewayCommandOptions {
  config?: string;
  host?: string;
  port?: string;
  domain?: string[];
  dnsServer?: string[];
  store?: string;
  sqlitePath?: string;
  redisUrl?: string;
  jwksFile?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  allowIpLiterals?: boolean;
  strictOptions?: boolean;
  deadline?: string;
  maxIdle?: string;
  grace?: string;
  sessionLimit?: string;
  logLevel?: string;
  cache?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Environment variables that override the file (flags override both). */
const ENV: ReadonlyArray<readonly [string, keyof GatewayCommandOptions]> = [
  ['COAP_GATEWAY_CONFIG', 'config'],
  ['COAP_GATEWAY_HOST', 'host'],
  ['COAP_GATEWAY_PORT', 'port'],
  ['COAP_GATEWAY_STORE', 'store'],
  ['COAP_GATEWAY_SQLITE_PATH', 'sqlitePath'],
  ['COAP_GATEWAY_REDIS_URL', 'redisUrl'],
  ['COAP_GATEWAY_JWKS_FILE', 'jwksFile'],
  ['COAP_GATEWAY_JWKS_URL', 'jwksUrl'],
  ['COAP_GATEWAY_ISSUER', 'issuer'],
  ['COAP_GATEWAY_LOG_LEVEL', 'logLevel'],
];

function withEnv(options: GatewayCommandOptions, env: NodeJS.ProcessEnv): GatewayCommandOptions {
  const out: Record<string, unknown> = { ...options };
  for (const [name, key] of ENV) {
    const v = env[name];
    if (out[key] === undefined && v !== undefined && v !== '') out[key] = v;
  }
  return out as GatewayCommandOptions;
}

/** Flags as a partial config of the file's shape; validation (with field names) happens in config/. */
export function overridesFrom(o: GatewayCommandOptions): Record<string, unknown> {
  const out: Record<string, Record<string, unknown> | unknown[]> = {};
  const section = (name: string): Record<string, unknown> => {
    const s = out[name];
    if (s !== undefined && !Array.isArray(s)) return s;
    const fresh: Record<string, unknown> = {};
    out[name] = fresh;
    return fresh;
  };
  if (o.host !== undefined || o.port !== undefined) out['listen'] = [{ host: o.host ?? '0.0.0.0', port: o.port ?? 5683 }];
  if (o.domain !== undefined) section('resolver')['domains'] = o.domain;
  if (o.dnsServer !== undefined) section('resolver')['dnsServers'] = o.dnsServer;
  if (o.allowIpLiterals === true) section('resolver')['allowIpLiterals'] = true;
  if (o.strictOptions === true) section('forwarding')['strictOptions'] = true;
  if (o.deadline !== undefined) section('forwarding')['upstreamDeadlineMs'] = o.deadline;
  if (o.maxIdle !== undefined) section('sessions')['maxIdleMs'] = o.maxIdle;
  if (o.grace !== undefined) section('sessions')['graceMs'] = o.grace;
  if (o.sessionLimit !== undefined) section('sessions')['limitPerAccount'] = o.sessionLimit;
  if (o.cache === false) section('cache')['enabled'] = false;
  if (o.store !== undefined || o.sqlitePath !== undefined || o.redisUrl !== undefined) {
    const kind = o.store ?? (o.redisUrl !== undefined ? 'redis' : 'sqlite');
    section('sessions')['store'] = {
      kind,
      ...(kind === 'sqlite' && o.sqlitePath !== undefined ? { path: o.sqlitePath } : {}),
      ...(kind === 'redis' && o.redisUrl !== undefined ? { url: o.redisUrl } : {}),
    };
  }
  if (o.jwksFile !== undefined) Object.assign(section('auth'), { jwksFile: o.jwksFile, jwksUrl: null });
  if (o.jwksUrl !== undefined) Object.assign(section('auth'), { jwksUrl: o.jwksUrl, jwksFile: null });
  if (o.issuer !== undefined) section('auth')['issuer'] = o.issuer;
  if (o.audience !== undefined) section('auth')['audience'] = o.audience;
  return out;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

export function register(program: Command): void {
  program
    .command('gateway')
    .alias('serve')
    .description('run the CoAP forward proxy (sessions, DNS device names, authorization, Observe, block-wise)')
    .option('--config <file>', 'configuration file, JSON or YAML (env COAP_GATEWAY_CONFIG)')
    .option('--host <address>', 'UDP address to listen on (default 0.0.0.0)')
    .option('--port <n>', 'UDP port (0 = a free one; default 5683)')
    .option('--domain <name>', 'a mesh domain of SSN<MAC>.<domain> device names (repeatable)', collect)
    .option('--dns-server <ip[:port]>', 'DNS server for the domains (repeatable)', collect)
    .option('--store <kind>', 'session store: sqlite (default), memory or redis')
    .option('--sqlite-path <file>', 'the embedded session database file')
    .option('--redis-url <url>', 'redis://host:port for sessions shared by several gateways')
    .option('--jwks-file <file>', 'public keys (JWKS) that sign access tokens')
    .option('--jwks-url <url>', "the token service's /.well-known/jwks.json")
    .option('--issuer <iss>', 'expected token issuer')
    .option('--audience <aud>', 'expected token audience (default coap-gateway)')
    .option('--allow-ip-literals', 'allow targets given as IP addresses')
    .option('--strict-options', 'RFC 7252 §5.7.1 option handling instead of forwarding every option')
    .option('--deadline <duration>', 'answer 5.04 when a device is silent this long (default 60s)')
    .option('--max-idle <duration>', 'close sessions idle this long (default 4h)')
    .option('--grace <duration>', 'at the latest this much later (default 15m)')
    .option('--session-limit <n>', 'sessions per account (default 10)')
    .option('--no-cache', 'turn the response cache (and coalescing of identical GETs) off')
    .option('--log-level <level>', `one of ${LOG_LEVELS.join(', ')} (default info)`)
    .action(async (flags: GatewayCommandOptions) => {
      const options = withEnv(flags, process.env);
      const loaded = await loadConfig(options.config, overridesFrom(options));
      if (!loaded.ok) throw new Error(`invalid configuration:\n  ${loaded.error.join('\n  ')}`);
      const logLevel = LOG_LEVELS.find((l) => l === (options.logLevel ?? 'info'));
      if (logLevel === undefined) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
      const running = await startGateway(loaded.value, { logLevel });
      // First line: the first address alone, for scripts.
      const uris = running.addresses.map((a) => `coap://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`);
      process.stdout.write([uris[0] ?? '', ...uris.slice(1).map((u) => `  also ${u}`), ''].join('\n'));
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        void running.close().finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
