// Tests of the UDP transport on IPv4 and IPv6 loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindUdp } from './udp-transport.js';
import type { DatagramTransport, PeerAddress } from './datagram-transport.js';

function nextDatagram(t: DatagramTransport): Promise<{ data: Buffer; from: PeerAddress }> {
  return new Promise((resolve) => t.onDatagram((data, from) => resolve({ data: Buffer.from(data), from: { address: from.address, port: from.port } })));
}

for (const host of ['127.0.0.1', '::1']) {
  test(`bindUdp carries datagrams both ways on ${host}`, async () => {
    const a = await bindUdp({ host, port: 0 });
    const b = await bindUdp({ host, port: 0 });
    try {
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
    } finally {
      await a.close();
      await b.close();
    }
  });
}

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
