// `coap-gateway demo`: runs the all-in-one demo and prints how to use it (stable flags and --json line).
import type { Command } from 'commander';
import { stopSignal } from '../stop-signal.js';
import { startDemo, type DemoInfo } from '../../app/index.js';

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

function text(info: DemoInfo): string {
  const lines = [
    'coap-gateway demo is running (Ctrl-C stops it)',
    '',
    `  gateway (CoAP/UDP)   ${info.gateway.uri}`,
    `  token service        ${info.tokenService.url}   (POST /oauth/token, GET /.well-known/jwks.json)`,
    `  mesh DNS             ${info.dns.host}:${info.dns.port}   domain ${info.domain}`,
    `  devices              ${info.devices.length} NICs, ${info.milliNics.length} milliNICs (port 4849), e.g.`,
    ...info.devices.slice(0, 3).map((d) => `                         ${d}`),
    `  demo account         client_id=${info.account.clientId}${info.account.clientSecret === null ? '' : ` client_secret=${info.account.clientSecret}`}`,
    `  token (${Math.round(info.tokenExpiresIn / 60)} min)       ${info.token}`,
    '',
    'Get a fresh token:',
    info.account.clientSecret === null
      ? `  curl -s -u <client_id>:<secret> -d grant_type=client_credentials ${info.tokenService.tokenUrl}`
      : `  curl -s -u ${info.account.clientId}:${info.account.clientSecret} -d grant_type=client_credentials ${info.tokenService.tokenUrl}`,
    '',
    `Try it with libcoap (Debian: apt-get install libcoap3-bin); every command uses local port ${info.clientPort},`,
    'because a session is bound to the client socket:',
  ];
  for (const c of info.commands) lines.push('', `  # ${c.title} (expect ${c.expect})`, `  ${c.command}`);
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the all-in-one demo: token service, mesh DNS, simulated mesh and gateway, on loopback')
    .option('--port <n>', 'gateway CoAP port (default 5683 where free; 0 = any free port)', integer('port', 0, 65535))
    .option('--http-port <n>', 'token service HTTP port (default 0 = any free port)', integer('http-port', 0, 65535))
    .option('--devices <n>', 'simulated devices, a few of them milliNICs', integer('devices', 1, 60000), 100)
    .option('--domain <d>', 'mesh DNS domain of the device names', 'starfish.test')
    .option('--accounts <file>', 'accounts file (JSON) instead of the generated demo account')
    .option('--data-dir <dir>', 'keep signing keys and sessions here (default: a temporary folder)')
    .option('--mesh-delay-ms <n>', 'one-way mesh delay per hop in ms', integer('mesh-delay-ms', 0, 60000), 20)
    .option('--log-level <level>', 'debug|info|warn|error|silent', 'warn')
    .option('--json', 'print one JSON line with every address, port, name and the token when ready')
    .addHelpText('after', '\nExamples:\n  coap-gateway demo\n  coap-gateway demo --port 0 --json\n  coap-gateway demo --devices 1000 --domain mesh.example.test')
    .action(async (opts: { port?: number; httpPort?: number; devices: number; domain: string; accounts?: string; dataDir?: string; meshDelayMs: number; logLevel: string; json?: boolean }) => {
      const levels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
      const logLevel = levels.find((l) => l === opts.logLevel);
      if (logLevel === undefined) throw new Error(`--log-level must be one of ${levels.join(', ')}`);
      const demo = await startDemo({
        devices: opts.devices,
        domain: opts.domain,
        meshDelayMs: opts.meshDelayMs,
        logLevel,
        ...(opts.port === undefined ? {} : { port: opts.port }),
        ...(opts.httpPort === undefined ? {} : { httpPort: opts.httpPort }),
        ...(opts.accounts === undefined ? {} : { accountsFile: opts.accounts }),
        ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
      });
      const stopped = stopSignal();
      process.stdout.write(opts.json === true ? `${JSON.stringify(demo.info)}\n` : text(demo.info));
      await stopped;
      await demo.close();
      if (opts.json !== true) process.stdout.write('demo stopped\n');
    });
}
