// Test helper run in a worker thread: one "gateway process" claiming sessions on a shared SQLite file.
import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteStore, openSessionDatabase } from './sqlite-store.js';

interface RaceJob {
  readonly file: string;
  readonly worker: number;
  readonly account: string;
  readonly attempts: number;
  readonly limit: number;
}

const job = workerData as RaceJob;
const db = openSessionDatabase(job.file);
const store = createSqliteStore(db);
// Wait for the go signal so all workers start claiming together.
parentPort?.once('message', () => {
  void (async () => {
    let claimed = 0;
    for (let i = 0; i < job.attempts; i++) {
      const r = await store.claim(
        {
          id: `w${job.worker}-${i}`,
          account: job.account,
          clientKey: `127.0.${job.worker}.1:${20000 + i}`,
          sticky: false,
          createdAtMs: 0,
          lastActivityMs: 0,
          expiresAtMs: 0,
          tokenId: 't',
          permissions: null,
        },
        job.limit,
      );
      if (r.ok) claimed++;
    }
    db.close();
    parentPort?.postMessage(claimed);
  })();
});
parentPort?.postMessage('ready');
