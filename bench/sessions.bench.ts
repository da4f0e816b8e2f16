// Sessions bench: heap bytes per session (memory store, service cache) at 100k sessions, and hot-path costs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom, systemClock } from '../src/base/index.js';
import {
  type Session,
  type SessionStore,
  createMemoryStore,
  createSessionService,
  createSqliteStore,
  openSessionDatabase,
} from '../src/sessions/index.js';
import { measure, printResult } from './harness.js';

const N = 100_000;
const PER_ACCOUNT = 10;

// Heap figures need a forced GC: re-run this file with --expose-gc when it was started without it.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const collect = gc as () => void;

function heapUsed(): number {
  for (let i = 0; i < 3; i++) collect();
  return process.memoryUsage().heapUsed;
}

const rnd = seededRandom(1);
const T0 = Date.now();

/** A session as a login makes it: fresh random id and token id, its own parsed permissions object. */
function sessionNo(i: number, sharedPermissions?: unknown): Session {
  const account = `account-${Math.floor(i / PER_ACCOUNT)}`;
  return {
    id: rnd.bytes(16).toString('base64url'),
    account,
    clientKey: `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${40000 + (i % 20000)}`,
    sticky: i % PER_ACCOUNT === 0,
    createdAtMs: T0,
    lastActivityMs: T0,
    expiresAtMs: T0 + 3_600_000,
    tokenId: rnd.bytes(16).toString('base64url'),
    permissions: sharedPermissions ?? JSON.parse('{"devices":["SSN*.starfish.test"],"methods":["GET","PUT","POST"]}'),
  };
}

async function bytesPerStoredSession(shared: boolean): Promise<number> {
  const perm = shared ? { devices: ['SSN*.starfish.test'], methods: ['GET', 'PUT', 'POST'] } : undefined;
  const before = heapUsed();
  const store = createMemoryStore();
  for (let i = 0; i < N; i++) await store.put(sessionNo(i, perm));
  const after = heapUsed();
  if ((await store.count()) !== N) throw new Error('store lost sessions');
  return (after - before) / N;
}

async function bytesPerServiceSession(): Promise<{ total: number; sessions: number }> {
  const before = heapUsed();
  const store = createMemoryStore();
  const service = createSessionService({ store, clock: systemClock, random: seededRandom(2), cacheTtlMs: 3_600_000 });
  for (let i = 0; i < N; i++) {
    const s = sessionNo(i);
    const r = await service.login({
      account: s.account,
      clientKey: s.clientKey,
      sticky: false,
      limit: PER_ACCOUNT,
      tokenExpiresAtMs: s.expiresAtMs,
      tokenId: s.tokenId,
      permissions: s.permissions,
    });
    if (!r.ok) throw new Error(`login ${i} refused`);
  }
  const after = heapUsed();
  const sessions = service.cachedCount;
  await service.close();
  return { total: (after - before) / N, sessions };
}

async function hotPath(): Promise<void> {
  const service = createSessionService({ store: createMemoryStore(), clock: systemClock, random: seededRandom(3) });
  const keys: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const s = sessionNo(i);
    keys.push(s.clientKey);
    await service.login({ ...s, limit: PER_ACCOUNT, tokenExpiresAtMs: s.expiresAtMs, sticky: false });
  }
  let k = 0;
  printResult(measure('service.touch (cached)', 2_000_000, () => service.touch(keys[k++ % 1000] as string)));
  // lookup is async: measure the synchronous part plus promise creation, as the request path pays it.
  printResult(measure('service.lookup (cached, promise created)', 1_000_000, () => void service.lookup(keys[k++ % 1000] as string)));
  await service.close();
}

async function claimRate(name: string, store: SessionStore, count: number): Promise<void> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await store.claim(sessionNo(i), PER_ACCOUNT);
  const ns = Number(process.hrtime.bigint() - start);
  printResult({ name, opsPerSec: (count * 1e9) / ns, iterations: count });
}

const storeOwn = await bytesPerStoredSession(false);
const storeShared = await bytesPerStoredSession(true);
const service = await bytesPerServiceSession();
console.log(`memory store, ${N.toLocaleString('en-US')} sessions, own permissions object   ${Math.round(storeOwn).toString().padStart(6)} B/session`);
console.log(`memory store, ${N.toLocaleString('en-US')} sessions, shared permissions object ${Math.round(storeShared).toString().padStart(6)} B/session`);
console.log(`service (memory store + hot cache), ${service.sessions.toLocaleString('en-US')} cached   ${Math.round(service.total).toString().padStart(6)} B/session`);
await hotPath();
await claimRate('memory store claim', createMemoryStore(), 50_000);
const dir = mkdtempSync(join(tmpdir(), 'sessions-bench-'));
const db = openSessionDatabase(join(dir, 'sessions.db'));
try {
  await claimRate('sqlite store claim (WAL, file)', createSqliteStore(db), 20_000);
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
