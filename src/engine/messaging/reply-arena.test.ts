// Tests of the reply arena: byte-exact copies, growth while replies are live, laps over dead ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyArena } from './reply-arena.js';

const reply = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

test('a stored reply reads back byte-exact, as a copy', () => {
  const arena = new ReplyArena(1024, 1 << 20);
  const r = Buffer.from([0x62, 0x45, 0x00, 0x07, 0xff, 0x00, 0x80, 0xfe]);
  const at = arena.store(r);
  assert.ok(at >= 0);
  assert.ok(arena.intact(arena.lap, at));
  const back = arena.read(at, r.length);
  assert.deepEqual(back, r);
  back[0] = 0;
  assert.equal(arena.read(at, r.length)[0], 0x62, 'the caller got a copy');
});

test('the arena grows while live replies need the room, up to its cap', () => {
  const arena = new ReplyArena(1024, 64 * 1024);
  for (let i = 0; i < 100; i++) arena.store(reply(100, i));
  assert.ok(arena.size >= 10_000 && arena.size <= 16 * 1024, `size ${arena.size}`);
  for (let i = 0; i < 2000; i++) arena.store(reply(100, i & 255));
  assert.equal(arena.size, 64 * 1024, 'never above the cap');
});

test('with the replies released, the ring starts over instead of growing; overwritten spans are not intact', () => {
  const arena = new ReplyArena(1024, 64 * 1024);
  const first = arena.store(reply(100, 1));
  const lap = arena.lap;
  arena.release(100);
  for (let i = 0; i < 29; i++) {
    arena.store(reply(100, 2));
    arena.release(100);
  }
  assert.equal(arena.size, 1024, 'dead replies never make it grow');
  assert.equal(arena.lap, lap + 2);
  assert.ok(!arena.intact(lap, first), 'two laps later the first span is gone');
  const at = arena.store(reply(100, 3));
  assert.ok(arena.intact(arena.lap, at));
  assert.equal(at, 0, 'a new lap');
  assert.ok(arena.intact(arena.lap - 1, 900), 'the last lap is intact beyond the write position');
  assert.ok(!arena.intact(arena.lap - 1, 0), 'but not where this lap has written');
});

test('a reply larger than a quarter of the cap is not kept', () => {
  const arena = new ReplyArena(1024, 4096);
  assert.equal(arena.store(reply(1025, 0)), -1);
  assert.ok(arena.store(reply(1024, 0)) >= 0);
});
