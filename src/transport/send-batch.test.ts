import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turnEnd } from 'node:timers/promises';
import { SendBatch } from './send-batch.js';

type Sent = [string, number, string];

function recorder(): { sent: Sent[]; batch: (max?: number) => SendBatch } {
  const sent: Sent[] = [];
  return { sent, batch: (max) => new SendBatch((d, p, a) => sent.push([d.toString(), p, a]), max) };
}

test('datagrams sent in one turn leave together at its end, in order', async () => {
  const { sent, batch } = recorder();
  const b = batch();
  b.push(Buffer.from('a'), 1, 'x');
  b.push(Buffer.from('b'), 2, 'y');
  assert.deepEqual(sent, [], 'nothing leaves before the turn ends');
  assert.equal(b.pending, 2);
  await turnEnd();
  assert.deepEqual(sent, [['a', 1, 'x'], ['b', 2, 'y']]);
  assert.equal(b.pending, 0);
  b.push(Buffer.from('c'), 3, 'z');
  await turnEnd();
  assert.deepEqual(sent.at(-1), ['c', 3, 'z'], 'a later turn schedules a new flush');
});

test('a full batch leaves at once, the rest at the end of the turn', async () => {
  const { sent, batch } = recorder();
  const b = batch(3);
  for (let i = 0; i < 5; i++) b.push(Buffer.from(String(i)), i, 'h');
  assert.deepEqual(sent.map((s) => s[0]), ['0', '1', '2']);
  await turnEnd();
  assert.deepEqual(sent.map((s) => s[0]), ['0', '1', '2', '3', '4']);
});

test('flush() sends what is queued now, and the scheduled flush then finds nothing', async () => {
  const { sent, batch } = recorder();
  const b = batch();
  b.push(Buffer.from('last'), 9, 'h');
  b.flush();
  assert.deepEqual(sent, [['last', 9, 'h']]);
  await turnEnd();
  assert.equal(sent.length, 1);
});
