// Device identities: deterministic MAC addresses, SSN host names and loopback addresses for a fleet.
import type { Random } from '../base/index.js';

export type DeviceKind = 'nic' | 'millinic';

/** Default CoAP port of a NIC (RFC 7252 §6.1) and of a milliNIC (vendor guide: "milliNIC ... 4849"). */
export const NIC_PORT = 5683;
export const MILLINIC_PORT = 4849;

export interface DeviceIdentity {
  readonly index: number;
  readonly kind: DeviceKind;
  /** 16 upper-case hex digits, no separators (an EUI-64 as the mesh uses). */
  readonly mac: string;
  /** `SSN` + MAC + `.` + domain, the name the device registers in the mesh DNS. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

/** The vendor's OUI 00:13:50 and a fixed fourth byte, as in the guide's example SSN001350050005E7D6. */
const MAC_PREFIX = '00135005';

/** `SSN<MAC>.<domain>`: the same rule as the gateway's resolver (SPEC §3.3). */
export function deviceName(mac: string, domain: string): string {
  return `SSN${mac.toUpperCase()}.${domain.replace(/\.$/, '').toLowerCase()}`;
}

/**
 * The index-th loopback address from 127.1.0.1 upward, skipping .0 and .255 in the last octet
 * (Linux routes all of 127.0.0.0/8 to loopback, so each device can bind its own address).
 */
export function loopbackAddress(index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError('address index must be a non-negative integer');
  const perBlock = 254;
  const last = 1 + (index % perBlock);
  const block = Math.floor(index / perBlock);
  const third = block % 256;
  const second = 1 + Math.floor(block / 256);
  if (second > 255) throw new RangeError('loopback address space exhausted');
  return `127.${second}.${third}.${last}`;
}

/** Creates `count` distinct MACs from `random` (seeded in tests and runs, so fleets repeat). */
export function generateMacs(count: number, random: Random): string[] {
  const seen = new Set<string>();
  const macs: string[] = [];
  while (macs.length < count) {
    const low = random.bytes(4).toString('hex').toUpperCase();
    const mac = MAC_PREFIX + low;
    if (seen.has(mac)) continue;
    seen.add(mac);
    macs.push(mac);
  }
  return macs;
}

export interface FleetIdentityOptions {
  readonly count: number;
  readonly milliNicCount?: number;
  readonly domain: string;
  readonly random: Random;
  /** First address index (0 = 127.1.0.1). */
  readonly firstAddressIndex?: number;
}

/** NICs first (port 5683), then milliNICs (port 4849), each on its own loopback address. */
export function createIdentities(options: FleetIdentityOptions): DeviceIdentity[] {
  const nics = options.count;
  const millis = options.milliNicCount ?? 0;
  const first = options.firstAddressIndex ?? 0;
  const macs = generateMacs(nics + millis, options.random);
  return macs.map((mac, index) => {
    const kind: DeviceKind = index < nics ? 'nic' : 'millinic';
    return {
      index,
      kind,
      mac,
      name: deviceName(mac, options.domain),
      address: loopbackAddress(first + index),
      port: kind === 'nic' ? NIC_PORT : MILLINIC_PORT,
    };
  });
}
