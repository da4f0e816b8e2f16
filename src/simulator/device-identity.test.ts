// Unit tests: device names, loopback address allocation, deterministic MACs, NIC/milliNIC identities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../base/index.js';
import { createIdentities, deviceName, generateMacs, loopbackAddress, MILLINIC_PORT, NIC_PORT } from './device-identity.js';

test('device names follow SSN + upper-case MAC + domain', () => {
  assert.equal(deviceName('001350050005e7d6', 'starfish.test'), 'SSN001350050005E7D6.starfish.test');
  assert.equal(deviceName('001350050005E7D6', 'Starfish.Test.'), 'SSN001350050005E7D6.starfish.test');
});

test('loopback addresses start at 127.1.0.1 and skip .0 and .255', () => {
  assert.equal(loopbackAddress(0), '127.1.0.1');
  assert.equal(loopbackAddress(253), '127.1.0.254');
  assert.equal(loopbackAddress(254), '127.1.1.1');
  assert.equal(loopbackAddress(254 * 256), '127.2.0.1');
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const a = loopbackAddress(i);
    const last = Number(a.split('.')[3]);
    assert.ok(last >= 1 && last <= 254, a);
    seen.add(a);
  }
  assert.equal(seen.size, 20_000);
  assert.throws(() => loopbackAddress(-1), RangeError);
});

test('MACs are distinct, 16 upper-case hex digits, and repeat for the same seed', () => {
  const a = generateMacs(5000, seededRandom(7));
  const b = generateMacs(5000, seededRandom(7));
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, 5000);
  for (const mac of a) assert.match(mac, /^00135005[0-9A-F]{8}$/);
  assert.notDeepEqual(generateMacs(5, seededRandom(8)), a.slice(0, 5));
});

test('identities: NICs on 5683 first, then milliNICs on 4849, each on its own address', () => {
  const ids = createIdentities({ count: 3, milliNicCount: 2, domain: 'mesh.test', random: seededRandom(1) });
  assert.deepEqual(
    ids.map((i) => [i.kind, i.port, i.address]),
    [
      ['nic', NIC_PORT, '127.1.0.1'],
      ['nic', NIC_PORT, '127.1.0.2'],
      ['nic', NIC_PORT, '127.1.0.3'],
      ['millinic', MILLINIC_PORT, '127.1.0.4'],
      ['millinic', MILLINIC_PORT, '127.1.0.5'],
    ],
  );
  for (const i of ids) assert.equal(i.name, `SSN${i.mac}.mesh.test`);
});
