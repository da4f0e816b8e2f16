// Unit tests: the progress text of block-wise transfers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressLine } from './progress-line.js';

test('progress names the direction, the bytes so far, the total and percentage when known, and the blocks', () => {
  assert.equal(progressLine({ direction: 'upload', bytes: 3072, totalBytes: 10240, blocks: 3 }), 'sending 3.0 KiB of 10.0 KiB (30%), 3 blocks');
  assert.equal(progressLine({ direction: 'download', bytes: 512, totalBytes: undefined, blocks: 1 }), 'receiving 512 B, 1 block');
  assert.equal(progressLine({ direction: 'download', bytes: 3 * 1024 * 1024, totalBytes: 0, blocks: 3072 }), 'receiving 3.0 MiB, 3072 blocks');
  assert.equal(progressLine({ direction: 'download', bytes: 2000, totalBytes: 1000, blocks: 2 }), 'receiving 2.0 KiB of 1000 B (100%), 2 blocks', 'a wrong Size2 never shows over 100%');
});
