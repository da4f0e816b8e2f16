// Tests of peer keys (numeric IPv4), exact token keys, and the compact reusable dedup entry and peer tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Peer, PeerTable, peerKey, tokenHigh, tokenLow } from './peer.js';

test('peerKey: numeric for IPv4, distinct per address and port; strings otherwise', () => {
  assert.equal(peerKey({ address: '127.0.0.1', port: 5683 }), (0x7f000001 * 65536) + 5683);
  assert.equal(peerKey({ address: '255.255.255.255', port: 65535 }), 0xffffffff * 65536 + 65535);
  assert.notEqual(peerKey({ address: '10.0.0.1', port: 1 }), peerKey({ address: '10.0.0.1', port: 2 }));
  assert.equal(peerKey({ address: '::1', port: 5683 }), '::1|5683');
  assert.equal(peerKey({ address: '1.2.3', port: 1 }), '1.2.3|1');
  assert.equal(peerKey({ address: '1.2.3.256', port: 1 }), '1.2.3.256|1');
  assert.equal(peerKey({ address: '1.2.3.4.5', port: 1 }), '1.2.3.4.5|1');
  assert.equal(peerKey({ address: '01.2.3.4', port: 1 }), (0x01020304 * 65536) + 1);
});

test('token keys identify a token exactly (low + high)', () => {
  const seen = new Set<string>();
  const tokens = [
    Buffer.alloc(0),
    Buffer.from([0]),
    Buffer.from([0, 0]),
    Buffer.from([1]),
    Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]),
    Buffer.from([9, 2, 3, 4, 5, 6, 7, 8]),
    Buffer.from([1, 9, 3, 4, 5, 6, 7, 8]),
    Buffer.from([2, 3, 4, 5, 6, 7, 8]),
  ];
  for (const t of tokens) seen.add(`${tokenLow(t)}/${tokenHigh(t)}`);
  assert.equal(seen.size, tokens.length);
  assert.ok(tokenLow(Buffer.alloc(8, 0xff)) < Number.MAX_SAFE_INTEGER);
});

test('PeerTable behaves as a Map and allocates nothing until written', () => {
  const t = new PeerTable<number, string>();
  assert.equal(t.size, 0);
  assert.equal(t.get(1), undefined);
  assert.equal(t.has(1), false);
  assert.equal(t.delete(1), false);
  assert.deepEqual([...t.values()], []);
  t.set(1, 'a').set(2, 'b');
  assert.equal(t.size, 2);
  assert.equal(t.get(2), 'b');
  assert.deepEqual([...t.keys()], [1, 2]);
  assert.equal(t.delete(1), true);
  assert.deepEqual([...t.values()], ['b']);
});

test('peer midUsedAt: -Infinity until used, then the time rounded up', () => {
  const peer = new Peer(1, { address: '10.0.0.1', port: 1 }, 0, () => undefined);
  assert.equal(peer.midUsedAt, -Infinity);
  peer.midUsedAt = 1234.2;
  assert.equal(peer.midUsedAt, 1235);
  peer.midUsedAt = 0;
  assert.equal(peer.midUsedAt, 0);
  assert.ok(peer.isIdle());
});
