// The bench's Node.js children (our gateway's wrapper, the raw relay, node-coap's proxy) as JavaScript,
// transpiled at run time, so each runs on plain `node` as `npm start` runs the gateway.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
/** Inside the repository, so the children's bare imports (`coap`) resolve from its node_modules. */
const outDir = join(here, '..', '..', '.bench-build');
const SOURCES = ['gateway-child', 'raw-relay', 'node-coap-proxy', 'child-control'] as const;
export type NodeChild = 'gateway-child' | 'raw-relay' | 'node-coap-proxy';

let built = false;

/**
 * The JavaScript file of a child, transpiled on first use (type-checking is `npm run typecheck`'s job).
 * Why not `node --import tsx child.ts`: on Node.js 20 tsx's hooks run in a loader thread with its own V8
 * isolate, and that isolate's idle-time mark-compacts (5-9 ms each, every ~0.6 s in a half-load run)
 * ran on the proxy's pinned core, in every Node.js peer alike.
 */
export function nodeChild(name: NodeChild): string {
  if (!built) {
    mkdirSync(outDir, { recursive: true });
    for (const source of SOURCES) {
      const text = readFileSync(join(here, `${source}.ts`), 'utf8');
      const { outputText } = ts.transpileModule(text, {
        fileName: `${source}.ts`,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      });
      writeFileSync(join(outDir, `${source}.js`), outputText);
    }
    built = true;
  }
  return join(outDir, `${name}.js`);
}
