// `coap-gateway token-service --accounts FILE ...`: runs the OAuth token service alone and prints its URL.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { SIGNING_ALGORITHMS, loadAccountsFile, startTokenService, type SigningAlgorithm } from '../../token-service/index.js';

interface TokenServiceCommandOptions {
  accounts: string;
  port: number;
  host: string;
  dataDir?: string;
  issuer?: string;
  audience?: string;
  algorithm: SigningAlgorithm;
  rotateKey?: boolean;
  keyRotationDays?: number;
  trustProxy?: boolean;
}

function integer(min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

function algorithm(text: string): SigningAlgorithm {
  const found = SIGNING_ALGORITHMS.find((a) => a === text);
  if (found === undefined) throw new InvalidArgumentError(`must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  return found;
}

export function register(program: Command): void {
  program
    .command('token-service')
    .description('run the OAuth 2.0 client-credentials token service (POST /oauth/token, GET /.well-known/jwks.json)')
    .requiredOption('--accounts <file>', 'accounts file (JSON, see docs/accounts.md)')
    .option('--port <n>', 'HTTP port (0 = a free one)', integer(0, 65535), 0)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'keep the signing keys here (0600) so tokens survive restarts; default: in memory')
    .option('--issuer <url>', 'the "iss" of the tokens (default: the service URL)')
    .option('--audience <aud>', 'the "aud" of the tokens: the gateway (default: coap-gateway)')
    .option('--algorithm <alg>', `signing algorithm: ${SIGNING_ALGORITHMS.join(' or ')}`, algorithm, 'EdDSA')
    .option('--rotate-key', 'start a new signing key now (the old one stays published until its tokens expire)')
    .option('--key-rotation-days <n>', 'start a new signing key when the current one is this old (default 30)', integer(1, 3650))
    .option('--trust-proxy', 'take client addresses from X-Forwarded-For (only behind a trusted proxy)')
    .action(async (options: TokenServiceCommandOptions) => {
      const accounts = await loadAccountsFile(options.accounts);
      if (!accounts.ok) throw new Error(`invalid accounts file:\n  ${accounts.error.join('\n  ')}`);
      const logger = pino({ name: 'token-service' }, pino.destination(2));
      const service = await startTokenService({
        accounts: accounts.value,
        host: options.host,
        port: options.port,
        algorithm: options.algorithm,
        logger,
        ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
        ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
        ...(options.audience !== undefined ? { audience: options.audience } : {}),
        ...(options.keyRotationDays !== undefined ? { keyRotationSec: options.keyRotationDays * 86_400 } : {}),
        ...(options.trustProxy === true ? { trustProxy: true } : {}),
      });
      if (options.rotateKey === true) await service.rotateKey();
      // First line: the URL alone, for scripts; then the details.
      process.stdout.write(
        [
          service.url,
          `  token endpoint: ${service.tokenUrl}`,
          `  jwks:           ${service.jwksUrl}`,
          `  issuer:         ${service.issuer}`,
          `  audience:       ${service.audience}`,
          `  accounts:       ${accounts.value.length} from ${options.accounts}`,
          `  signing keys:   ${options.dataDir ?? 'in memory (give --data-dir to keep them)'}`,
          '',
        ].join('\n'),
      );
      const stop = (): void => {
        void service.close().finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
