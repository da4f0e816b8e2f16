import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OptionNumber, type CoapOption } from '../../coap/index.js';
import { TargetCache } from './target-stage.js';

const proxyUri = (uri: string): CoapOption => ({ number: OptionNumber.PROXY_URI, value: Buffer.from(uri, 'latin1') });

test('a Proxy-Uri seen before is answered with the same frozen Target', () => {
  const cache = new TargetCache();
  const a = cache.parse([proxyUri('coap://SSN0013500500000001.mesh.test/meter/reading?x=1')]);
  const b = cache.parse([proxyUri('coap://SSN0013500500000001.mesh.test/meter/reading?x=1')]);
  assert.ok(a.ok && b.ok);
  assert.equal(a.value, b.value);
  assert.ok(Object.isFrozen(b.value) && Object.isFrozen(b.value.options));
  assert.equal(b.value.uri, 'coap://ssn0013500500000001.mesh.test/meter/reading?x=1');
  assert.equal(cache.size, 1);
});

test('malformed targets are refused every time and never stored', () => {
  const cache = new TargetCache();
  for (let i = 0; i < 3; i++) assert.ok(!cache.parse([proxyUri(`coap://bad host ${i}/x`)]).ok);
  assert.equal(cache.size, 0);
});

test('repeated Proxy-* options bypass the cache and stay errors (RFC 7252 §5.4.5)', () => {
  const cache = new TargetCache();
  const uri = 'coap://dev.mesh.test/a';
  assert.ok(cache.parse([proxyUri(uri)]).ok);
  assert.ok(!cache.parse([proxyUri(uri), proxyUri(uri)]).ok);
  assert.ok(!cache.parse([proxyUri(uri), { number: OptionNumber.PROXY_SCHEME, value: Buffer.from('coap') }, { number: OptionNumber.PROXY_SCHEME, value: Buffer.from('coap') }]).ok);
});

test('the cache is bounded (oldest first out)', () => {
  const cache = new TargetCache(2);
  for (const n of [1, 2, 3]) assert.ok(cache.parse([proxyUri(`coap://dev${n}.mesh.test/`)]).ok);
  assert.equal(cache.size, 2);
});
