// Our gateway as a bench child process: startGateway with the config file given as argument.
// Prints {"port":P} once listening; stdin "mem" prints memory; stdin EOF closes the gateway and exits.
// The gateway is the compiled build in dist/ (what `npm start` and `node dist/cli/main.js` run), not the
// sources through tsx; proxy.bench.ts builds it first.
// Usage (from the repository root, which is the working directory): node --expose-gc
// .bench-build/gateway-child.js CONFIG.json (transpiled by node-children.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as App from '../../src/app/index.js';
import type * as Config from '../../src/config/index.js';
import { attachControl } from './child-control.js';

const repoRoot = process.cwd();
const built = (folder: string): string => {
  const file = join(repoRoot, 'dist', folder, 'index.js');
  if (!existsSync(file)) {
    console.error(`bench gateway: ${file} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
  return pathToFileURL(file).href;
};
const { startGateway } = (await import(built('app'))) as typeof App;
const { parseConfig } = (await import(built('config'))) as typeof Config;

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
