// Tests of CacheStage's coalescing table: identical GETs in flight share one fetch; finished keys are
// reused in place and forgotten in one pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, makeOptions } from '../../coap/index.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { ResponseCache } from '../upstream/response-cache.js';
import type { ResponseParts } from '../errors.js';
import type { UpstreamRequest } from '../translate.js';
import { CacheStage } from './cache-stage.js';

const get = (path: string): UpstreamRequest => ({
  type: MessageType.CON,
  code: Code.GET,
  options: makeOptions([[OptionNumber.URI_PATH, path]]),
  payload: Buffer.alloc(0),
});
/** Max-Age 0: never stored, so every request that does not coalesce goes upstream. */
const uncacheable: ResponseParts = { code: Code.CONTENT, options: makeOptions([[OptionNumber.MAX_AGE, 0]]), payload: Buffer.from('v') };

test('identical GETs in flight share one upstream fetch; after it finishes the next one fetches again', async () => {
  const stage = new CacheStage(new ResponseCache(new FakeClock(), 100, 1 << 20));
  let fetches = 0;
  let finish: (r: ResponseParts) => void = () => undefined;
  const forward = (): Promise<ResponseParts> => {
    fetches++;
    return new Promise((resolve) => (finish = resolve));
  };
  const a = stage.handle(get('r'), 'coap://d/r', forward);
  const b = stage.handle(get('r'), 'coap://d/r', forward);
  assert.equal(fetches, 1);
  assert.equal(stage.coalescing, 1);
  finish(uncacheable);
  assert.equal((await a).code, Code.CONTENT);
  assert.equal((await b).code, Code.CONTENT);
  assert.equal(stage.coalescing, 0);
  const c = stage.handle(get('r'), 'coap://d/r', forward);
  assert.equal(fetches, 2, 'a finished fetch is not joined');
  finish(uncacheable);
  await c;
  assert.equal(stage.coalescing, 0);
});

test('thousands of distinct targets: nothing left in flight, and a failed fetch is not joined later', async () => {
  const stage = new CacheStage(new ResponseCache(new FakeClock(), 100, 1 << 20));
  let fetches = 0;
  const forward = async (): Promise<ResponseParts> => {
    fetches++;
    return uncacheable;
  };
  for (let i = 0; i < 3000; i++) await stage.handle(get(`r${i}`), `coap://d/r${i}`, forward);
  assert.equal(fetches, 3000);
  assert.equal(stage.coalescing, 0);
  const failing = async (): Promise<ResponseParts> => {
    fetches++;
    throw new Error('upstream gone');
  };
  await assert.rejects(stage.handle(get('x'), 'coap://d/x', failing), /upstream gone/);
  assert.equal(stage.coalescing, 0);
  assert.equal((await stage.handle(get('x'), 'coap://d/x', forward)).code, Code.CONTENT);
  assert.equal(fetches, 3002);
});
