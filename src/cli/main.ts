#!/usr/bin/env -S node --max-semi-space-size=4
// The `coap-gateway` command: parses argv and dispatches to one subcommand module.
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`coap-gateway: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
