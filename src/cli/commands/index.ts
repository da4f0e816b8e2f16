// The list of subcommands; each module adds one command to the program.
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
commands.push((await import('./hash-secret.js')).register);
commands.push((await import('./token-service.js')).register);
commands.push((await import('./token.js')).register);
commands.push((await import('./simulate.js')).register);
commands.push((await import('./demo.js')).register);
commands.push((await import('./client-commands.js')).register);
commands.push((await import('./gateway.js')).register);
