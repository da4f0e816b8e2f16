// Builds the commander program from the subcommand modules listed in commands/index.ts.
import { Command } from 'commander';
import { commands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('coap-gateway')
    .description('A secure CoAP forward proxy for utility mesh networks')
    .version('0.1.0')
    .showHelpAfterError();
  for (const register of commands) register(program);
  return program;
}
