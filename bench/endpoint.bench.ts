// Endpoint bench: request/response round trips per second over UDP loopback, our client -> our server.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { seededRandom } from '../src/base/index.js';
import { Code, EMPTY_BUFFER, MessageType, OptionNumber, encode, makeOptions } from '../src/coap/index.js';
import { createEndpoint, type Endpoint } from '../src/engine/index.js';
import { bindUdp, MemoryNetwork } from '../src/transport/index.js';
import { FakeClock } from '../test/support/fake-clock.js';
import { printResult, type BenchResult } from './harness.js';

const MAX_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40_000);
const MAX_MS = Number(process.env.BENCH_MS ?? 4000);
const options = makeOptions([
  [OptionNumber.URI_PATH, 'sensors'],
  [OptionNumber.URI_PATH, 'temp'],
]);
const payload = Buffer.from('21.5 C');

/** Keeps `window` requests in flight until MAX_REQUESTS are answered or MAX_MS have passed. */
async function run(client: Endpoint, server: Endpoint, window: number, type: 0 | 1): Promise<BenchResult> {
  let sent = 0;
  let done = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = start + MAX_MS;
  await new Promise<void>((resolve) => {
    const next = (): void => {
      if (sent >= MAX_REQUESTS || performance.now() > deadline) {
        if (done + failed === sent) resolve();
        return;
      }
      sent++;
      client.request(server.local, { type, code: Code.GET, options }, { timeoutMs: 2000 }).then(
        () => {
          done++;
          next();
        },
        () => {
          failed++;
          next();
        },
      );
    };
    for (let i = 0; i < window; i++) next();
  });
  const seconds = (performance.now() - start) / 1000;
  if (failed > 0) console.log(`  (${failed} of ${sent} requests failed)`);
  return { name: `endpoint ${type === 0 ? 'CON' : 'NON'} GET, ${window} in flight`, opsPerSec: done / seconds, iterations: done };
}

/** Heap bytes per remembered request (dedup entry + stored piggybacked reply), on the in-memory twin. */
function dedupMemory(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const clock = new FakeClock();
  const network = new MemoryNetwork(clock, seededRandom(1));
  const server = createEndpoint({ transport: network.bind('10.0.0.1', 5683), clock, limits: { dedupTotal: 1_000_000 } });
  server.serve((ex) => ex.respond({ code: Code.CONTENT, payload }));
  const peers = Array.from({ length: 100 }, (_, i) => network.bind(`10.1.0.${i + 1}`));
  const token = Buffer.from([1, 2, 3, 4]);
  const send = (from: number, mid: number): void =>
    (peers[from] as ReturnType<typeof network.bind>).send(
      encode({ type: MessageType.CON, code: Code.GET, messageId: mid, token, options, payload: EMPTY_BUFFER }),
      server.local,
    );
  send(0, 65535);
  clock.advance(1);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let mid = 0; mid < 2000; mid++) for (let p = 0; p < 100; p++) send(p, mid);
  clock.advance(1);
  gc();
  const entries = server.stats().dedupEntries - 1;
  const perEntry = (process.memoryUsage().heapUsed - before) / entries;
  console.log(`${'dedup memory per remembered CON (reply stored)'.padEnd(48)} ${Math.round(perEntry).toLocaleString('en-US').padStart(14)} bytes (${entries} entries)`);
  void server.close();
}

async function main(): Promise<void> {
  dedupMemory();
  const server = createEndpoint({ transport: await bindUdp({ host: '127.0.0.1', port: 0, receiveBufferBytes: 4 << 20 }) });
  server.serve((ex) => ex.respond({ code: Code.CONTENT, payload }));
  const client = createEndpoint({
    transport: await bindUdp({ host: '127.0.0.1', port: 0, receiveBufferBytes: 4 << 20 }),
    // NSTART above 1 is fine on loopback (RFC 7252 §4.8.1 asks for congestion control on real paths).
    timing: { nstart: 256 },
  });
  await run(client, server, 16, 0); // warm-up
  for (const [window, type] of [
    [1, 0],
    [32, 0],
    [128, 0],
    [32, 1],
  ] as const) {
    printResult(await run(client, server, window, type));
  }
  const s = server.stats();
  console.log(`  server after the runs: dedup entries ${s.dedupEntries} (cap ${100_000}), open exchanges ${s.exchanges}`);
  await client.close();
  await server.close();
}

await main();
