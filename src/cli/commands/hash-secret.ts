// `coap-gateway hash-secret [secret]`: prints the scrypt hash to put in an account's "secret" field.
import type { Command } from 'commander';
import { cryptoRandom } from '../../base/index.js';
import { hashSecret } from '../../token-service/index.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('type the secret, then Enter and Ctrl-D\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

export function register(program: Command): void {
  program
    .command('hash-secret')
    .description('print a scrypt hash of a client secret for the accounts file (reads stdin when no argument)')
    .argument('[secret]', 'the secret; omit it to read stdin (keeps it out of the shell history)')
    .action(async (secret: string | undefined) => {
      // `echo secret | coap-gateway hash-secret`: the newline is not part of the secret.
      const text = secret ?? (await readStdin()).replace(/\r?\n$/, '');
      if (text.length === 0) throw new Error('hash-secret: the secret is empty');
      process.stdout.write(`${await hashSecret(text, cryptoRandom)}\n`);
    });
}
