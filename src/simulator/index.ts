// Public surface of simulator: the mesh of simulated NICs, its mesh/fault models and its DNS server.
export {
  type DeviceIdentity,
  type DeviceKind,
  type FleetIdentityOptions,
  NIC_PORT,
  MILLINIC_PORT,
  deviceName,
  loopbackAddress,
  generateMacs,
  createIdentities,
} from './device-identity.js';
export { PINS, type PinDefinition, DeviceState } from './device-state.js';
export { Device, type DeviceOptions } from './device.js';
export { createFleet, hopLink, type Fleet, type FleetOptions, type BindTransport, type DeviceRecord } from './fleet.js';
export { meshTransport, linkForHops, PERFECT_LINK, type LinkQuality, type MeshCounters, type MeshTransport, type MeshTransportOptions } from './mesh-transport.js';
export { faultTransport, FAULT_MODES, NO_FAULT, type FaultMode, type FaultSettings, type FaultTransport } from './fault-transport.js';
export { NIC_RESOURCES, PLUGTEST_RESOURCES, NIC_TABLE, PLUGTEST_TABLE } from './device-profiles.js';
export { DEFAULT_DEVICE_CONFIG, type DeviceConfig, type Resource, type ResourceResponse, type LinkAttributes } from './resources/resource.js';
export { ResourceTable } from './resources/resource-table.js';
export { toLink } from './resources/well-known-core.js';
export { createDnsZone, canonicalName, checkName, type DnsZone, type DnsZoneOptions, type ZoneRecord, type ZoneAnswer, type HostsLoadReport } from './dns-zone.js';
export {
  startDnsServer,
  answerDnsQuery,
  type DnsServerOptions,
  type DnsServerStats,
  type RunningDnsServer,
  type DnsFault,
  type DnsReply,
  type DnsReplyCode,
  type AnswerOptions,
} from './dns-server.js';
export { createStandaloneContext, requestMessage, type StandaloneContext } from './resources/standalone-context.js';
export { dispatch, type Dispatched } from './resources/dispatch.js';
