// `coap-gateway token --url URL --client-id ID --client-secret S`: prints an access token, e.g. for
// `coap-gateway token ... | coap-client -m post -t 0 -f - coap://gateway/sessions`.
import type { Command } from 'commander';
import { systemClock } from '../../base/index.js';
import { fetchToken } from '../../token-service/index.js';

const SECRET_ENV = 'COAP_GATEWAY_CLIENT_SECRET';
const TIMEOUT_MS = 30_000;

interface TokenCommandOptions {
  url: string;
  clientId: string;
  clientSecret?: string;
}

export function register(program: Command): void {
  program
    .command('token')
    .description('fetch an access token from the token service and print it')
    .requiredOption('--url <url>', 'token service URL (http://host:port, or its /oauth/token URL)')
    .requiredOption('--client-id <id>', 'the account\'s client id')
    .option('--client-secret <secret>', `the client secret (default: $${SECRET_ENV})`)
    .action(async (options: TokenCommandOptions) => {
      const clientSecret = options.clientSecret ?? process.env[SECRET_ENV];
      if (clientSecret === undefined) throw new Error(`token: give --client-secret or set ${SECRET_ENV}`);
      const controller = new AbortController();
      const timer = systemClock.setTimer(() => controller.abort(), TIMEOUT_MS);
      try {
        const result = await fetchToken({ url: options.url, clientId: options.clientId, clientSecret, signal: controller.signal });
        if (!result.ok) throw new Error(result.error);
        // No newline into a pipe: the token is the whole CoAP payload.
        process.stdout.write(process.stdout.isTTY ? `${result.value.accessToken}\n` : result.value.accessToken);
      } finally {
        systemClock.clearTimer(timer);
      }
    });
}
