// Tests of the UDP transport on IPv4 and IPv6 loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindUdp } from './udp-transport.js';
import type { DatagramTransport, PeerAddress } from './datagram-transport.js';

/** Two transports bound on `host`, closed whatever the test does. */
async function withPair(host: string, body: (a: DatagramTransport, b: DatagramTransport) => Promise<void>): Promise<void> {
  const a = await bindUdp({ host, port: 0 });
  const b = await bindUdp({ host, port: 0 });
  try {
    await body(a, b);
  } finally {
    await a.close();
    await b.close();
  }
}

function nextDatagram(t: DatagramTransport): Promise<{ data: Buffer; from: PeerAddress }> {
  return new Promise((resolve) => t.onDatagram((data, from) => resolve({ data: Buffer.from(data), from: { address: from.address, port: from.port } })));
}

for (const host of ['127.0.0.1', '::1']) {
  test(`bindUdp carries datagrams both ways on ${host}`, () =>
    withPair(host, async (a, b) => {
      assert.equal(a.local.address, host);
      assert.ok(a.local.port > 0 && a.local.port !== b.local.port);
      const got = nextDatagram(b);
      a.send(Buffer.from('hello'), b.local);
      const r = await got;
      assert.equal(r.data.toString(), 'hello');
      assert.deepEqual(r.from, a.local);
      const back = nextDatagram(a);
      b.send(Buffer.from('back'), r.from);
      assert.equal((await back).data.toString(), 'back');
    }));
}

test('datagrams sent in one turn arrive in order, and close() still sends what was queued', () =>
  withPair('127.0.0.1', async (a, b) => {
    const got: string[] = [];
    const all = new Promise<void>((resolve) =>
      b.onDatagram((data) => {
        got.push(data.toString());
        if (got.length === 100) resolve();
      }),
    );
    for (let i = 0; i < 100; i++) a.send(Buffer.from(String(i)), b.local);
    await a.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => String(i)));
  }));

test('send errors never throw: bad port, wrong family, after close', async () => {
  const errors: Error[] = [];
  const a = await bindUdp({ host: '127.0.0.1', port: 0, onError: (e) => errors.push(e) });
  a.send(Buffer.from('x'), { address: '127.0.0.1', port: 70000 });
  a.send(Buffer.from('x'), { address: '::1', port: 5683 });
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(errors.length >= 1, 'the failures were reported');
  await a.close();
  a.send(Buffer.from('x'), { address: '127.0.0.1', port: 9 });
  await a.close();
});

test('bindUdp rejects when the port is taken', async () => {
  const a = await bindUdp({ host: '127.0.0.1', port: 0 });
  try {
    await assert.rejects(bindUdp({ host: '127.0.0.1', port: a.local.port }), /EADDRINUSE/);
  } finally {
    await a.close();
  }
});

/** Sends `n` datagrams in one tick (the receiver cannot read meanwhile) and counts what arrives. */
async function burst(receiver: Awaited<ReturnType<typeof bindUdp>>, n: number): Promise<number> {
  const sender = await bindUdp({ host: '127.0.0.1', port: 0, sendBufferBytes: 4 * 1024 * 1024 });
  let got = 0;
  receiver.onDatagram(() => got++);
  const payload = Buffer.alloc(40, 1);
  for (let i = 0; i < n; i++) sender.send(payload, receiver.local);
  // Drain: stop once nothing more arrived for 50 ms.
  for (let last = -1; got !== last; ) {
    last = got;
    await new Promise((r) => setTimeout(r, 50));
  }
  await sender.close();
  return got;
}

test('a burst of 3,000 datagrams fits the asked receive buffer (kernel drops none)', async () => {
  const limited: unknown[] = [];
  const r = await bindUdp({ host: '127.0.0.1', port: 0, receiveBufferBytes: 4 * 1024 * 1024, onBufferLimited: (g) => limited.push(g) });
  try {
    assert.deepEqual(limited, [], 'this machine must allow 4 MiB socket buffers (sysctl net.core.rmem_max)');
    assert.equal(await burst(r, 3000), 3000);
  } finally {
    await r.close();
  }
});

test('the default receive buffer loses part of the same burst (why the gateway asks for more)', async () => {
  const r = await bindUdp({ host: '127.0.0.1', port: 0 });
  try {
    assert.ok((await burst(r, 3000)) < 3000);
  } finally {
    await r.close();
  }
});

test('a buffer size above the kernel cap is reported, not thrown', async () => {
  const limited: { receiveBytes: number }[] = [];
  const r = await bindUdp({ host: '127.0.0.1', port: 0, receiveBufferBytes: 1024 * 1024 * 1024, onBufferLimited: (g) => limited.push(g) });
  try {
    assert.equal(limited.length, 1);
    assert.ok((limited[0]?.receiveBytes ?? 0) > 0);
  } finally {
    await r.close();
  }
});

test('IP literals are sent without a DNS lookup; a host name still goes through DNS', () =>
  withPair('127.0.0.1', async (a, b) => {
    const got: string[] = [];
    b.onDatagram((d) => got.push(d.toString()));
    a.send(Buffer.from('literal'), { address: '127.0.0.1', port: b.local.port });
    a.send(Buffer.from('name'), { address: 'localhost', port: b.local.port });
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got.sort(), ['literal', 'name']);
  }));
