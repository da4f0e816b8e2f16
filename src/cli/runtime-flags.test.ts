// The gateway's Node.js flags are the same in the command's shebang, `npm start` and the benchmark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from './runtime-flags.js';

const repo = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));

test('the coap-gateway shebang and npm start run node with GATEWAY_NODE_FLAGS; the benchmark spawns it with them', () => {
  assert.ok(GATEWAY_NODE_FLAGS.length > 0);
  const shebang = readFileSync(repo('src/cli/main.ts'), 'utf8').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${GATEWAY_NODE_FLAGS.join(' ')}`);
  const pkg = JSON.parse(readFileSync(repo('package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.start ?? '', new RegExp(`node ${GATEWAY_NODE_FLAGS.join(' ')} dist/cli/main\\.js demo`));
  assert.match(readFileSync(repo('bench/proxy/gateway-peer.ts'), 'utf8'), /GATEWAY_NODE_FLAGS/);
});
