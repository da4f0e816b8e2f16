// The dependency rule of docs/architecture.md, checked on every `npm test`.
const folders = ['coap', 'base', 'transport', 'engine', 'gateway', 'sessions', 'auth', 'resolver',
  'token-service', 'simulator', 'admin', 'telemetry', 'config', 'app', 'cli', 'client'];
// Which of our folders each folder may import (besides itself).
const allowed = {
  coap: [],
  base: [],
  telemetry: ['base'],
  transport: ['base', 'telemetry'],
  engine: ['transport', 'coap', 'telemetry', 'base'],
  sessions: ['base', 'telemetry'],
  auth: ['base', 'telemetry'],
  resolver: ['base', 'telemetry'],
  config: ['base', 'coap'],
  'token-service': ['auth', 'base', 'telemetry'],
  gateway: ['engine', 'sessions', 'auth', 'resolver', 'coap', 'telemetry', 'base'],
  simulator: ['engine', 'transport', 'coap', 'telemetry', 'base'],
  admin: ['gateway', 'sessions', 'telemetry', 'base'],
  client: ['engine', 'coap', 'telemetry', 'base'],
  app: ['client', 'admin', 'token-service', 'simulator', 'gateway', 'config', 'engine', 'transport', 'sessions',
    'auth', 'resolver', 'telemetry', 'coap', 'base'],
  cli: ['app', 'client', 'config', 'auth', 'token-service', 'coap', 'base'],
};
const forbidden = [
  { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
];
for (const folder of folders) {
  const ok = [folder, ...(allowed[folder] ?? [])];
  forbidden.push({
    name: `layer-${folder}`,
    comment: `src/${folder} may import only ${ok.join(', ')}`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: '^src/([^/]+)/', pathNot: `^src/(${ok.join('|')})/` },
  });
  forbidden.push({
    name: `index-only-${folder}`,
    comment: `other folders import src/${folder} only through its index.ts`,
    severity: 'error',
    from: { path: '^src/', pathNot: `^src/${folder}/` },
    to: { path: `^src/${folder}/`, pathNot: `^src/${folder}/index\\.ts$` },
  });
}
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$|\\.contract\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
