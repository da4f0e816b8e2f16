// Tests of peer keys (numeric IPv4), exact token keys, and the compact reusable dedup entry and peer tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DedupEntry, Peer, PeerTable, peerKey, tokenHigh, tokenLow } from './peer.js';

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

test('a dedup entry keeps the exact token identity, message ID and kind in small integers (issue #8)', () => {
  const peer = new Peer(1, { address: '10.0.0.1', port: 1 }, 0, () => undefined);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 8 }), fc.integer({ min: 0, max: 0xffff }), fc.boolean(), (bytes, mid, con) => {
      const token = Buffer.from(bytes);
      const e = new DedupEntry(peer).init(peer, mid, tokenLow(token), tokenHigh(token), con, 12.25);
      assert.equal(e.tokenLow, tokenLow(token));
      assert.equal(e.tokenHigh, tokenHigh(token));
      assert.equal(e.messageId, mid);
      assert.equal(e.confirmable, con);
      assert.equal(e.createdAt, 13, 'rounded up: never expires early');
      assert.ok(e.matches(tokenLow(token), tokenHigh(token)));
      const other = Buffer.from(bytes.length === 0 ? [0] : bytes.map((b, i) => (i === bytes.length - 1 ? b ^ 1 : b)));
      assert.ok(!e.matches(tokenLow(other), tokenHigh(other)), 'another token never matches');
    }),
  );
});

test('a released dedup entry is unlinked, forgets its reply and bumps its generation; init makes it new', () => {
  const peer = new Peer(1, { address: '10.0.0.1', port: 1 }, 0, () => undefined);
  const e = new DedupEntry(peer).init(peer, 7, 100, 0, true, 0);
  assert.ok(e.linked);
  e.replyLength = 4;
  const generation = e.generation;
  e.release(peer);
  assert.ok(!e.linked);
  assert.equal(e.replyLength, -1);
  assert.notEqual(e.generation, generation);
  e.init(peer, 8, 5, 1, false, 3);
  assert.ok(e.linked);
  assert.equal(e.messageId, 8);
  assert.ok(!e.confirmable);
  assert.ok(e.matches(5, 1));
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
