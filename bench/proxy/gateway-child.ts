// Our gateway as a bench child process: startGateway (src/app) with the config file given as argument.
// Prints {"port":P} once listening; stdin "mem" prints memory; stdin EOF closes the gateway and exits.
// Usage: node --expose-gc --import tsx bench/proxy/gateway-child.ts CONFIG.json
import { readFileSync } from 'node:fs';
import { startGateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { attachControl } from './child-control.js';

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: gateway-child.ts CONFIG.json');
  process.exit(2);
}
const parsed = parseConfig(JSON.parse(readFileSync(file, 'utf8')) as unknown);
if (!parsed.ok) {
  console.error(`bench gateway config:\n  ${parsed.error.join('\n  ')}`);
  process.exit(2);
}
const gateway = await startGateway(parsed.value, { logLevel: 'warn' });
console.log(JSON.stringify({ port: gateway.port }));
attachControl(() => gateway.close());
