// e2e: `coap-gateway simulate --json` starts a fleet, answers coap-client-notls, and exits cleanly on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

function findProgram(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is not installed (Debian: apt-get install libcoap3-bin); this e2e test needs it`);
}

interface SimulateJson {
  dns: string;
  dnsHost: string;
  dnsPort: number;
  domain: string;
  nics: number;
  milliNics: number;
  devices: Array<{ name: string; address: string; port: number; kind: string; mac: string }>;
}

test('simulate --json prints the DNS address and every device with --list, serves them, stops on SIGTERM', async () => {
  const coapClient = findProgram('coap-client-notls');
  const tmp = mkdtempSync(join(tmpdir(), 'sim-cli-'));
  const hosts = join(tmp, 'hosts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '--devices', '4', '--millinics', '2', '--domain', 'mesh.test', '--dns-port', '0',
      '--address-offset', String(254 * 191), '--list', '--json', '--hosts-file', hosts],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const lines = createInterface({ input: child.stdout });
    let timer: NodeJS.Timeout | undefined;
    const [line] = (await Promise.race([
      once(lines, 'line'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no output in 20 s: ${stderr}`)), 20_000);
      }),
    ]).finally(() => clearTimeout(timer))) as [string];
    const out = JSON.parse(line) as SimulateJson;
    assert.match(out.dns, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(out.dnsPort, 0);
    assert.equal(out.nics, 4);
    assert.equal(out.milliNics, 2);
    assert.equal(out.devices.length, 6);
    assert.deepEqual(out.devices.map((d) => d.port), [5683, 5683, 5683, 5683, 4849, 4849]);
    assert.equal(out.devices[0]!.address, '127.1.191.1');
    for (const d of out.devices) assert.equal(d.name, `SSN${d.mac}.mesh.test`);
    const hostsText = readFileSync(hosts, 'utf8');
    for (const d of out.devices) assert.match(hostsText, new RegExp(`^${d.address.replace(/\./g, '\\.')}\\s+${d.name}`, 'im'));
    const r = await new Promise<string>((resolve, reject) =>
      execFile(coapClient, ['-m', 'get', '-B', '10', `coap://${out.devices[5]!.address}:4849/nic/info`], { timeout: 15_000 }, (e, so) =>
        e === null ? resolve(so) : reject(e),
      ),
    );
    assert.equal(JSON.parse(r).name, out.devices[5]!.name);
  } finally {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    rmSync(tmp, { recursive: true, force: true });
    assert.equal(code, 0, `exit code; stderr: ${stderr}`);
  }
});
