// Public surface of resolver: device names (SSN<MAC>.<domain>) and DNS resolution with caching.
export {
  type DeviceName,
  type DeviceNameError,
  type DeviceNameErrorKind,
  DEVICE_NAME_PREFIX,
  MAC_HEX_DIGITS,
  formatDeviceName,
  formatMac,
  normalizeDomain,
  parseDeviceName,
  parseMac,
  sameHostName,
} from './device-name.js';
export { MAX_HOST_NAME_LENGTH, isWithinDomain, normalizeHostName, parseIpLiteral } from './host-name.js';
export {
  type DnsLookup,
  type DnsRecord,
  type LookupResult,
  type Resolution,
  type ResolveFailure,
  type ResolveFailureKind,
  describeFailure,
} from './resolution.js';
export { type DnsServer, type NodeDnsLookup, classifyDnsError, createNodeDnsLookup, parseDnsServer } from './node-dns-lookup.js';
export {
  type DnsResolver,
  type DnsResolverOptions,
  type ResolverLookupEvent,
  type ResolverStats,
  createDnsResolver,
  resolverLookupChannel,
} from './dns-resolver.js';
