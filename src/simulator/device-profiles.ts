// Resource profiles: the meter NIC's resources, and the same plus the ETSI plugtest resources.
import { firmwareResource } from './resources/firmware-resource.js';
import { gpioResource } from './resources/gpio-resource.js';
import { profileResource, registerResource } from './resources/meter-resources.js';
import { nicInfoResource } from './resources/nic-info-resource.js';
import type { Resource } from './resources/resource.js';
import { ResourceTable } from './resources/resource-table.js';
import { slowResource } from './resources/slow-resource.js';
import { timeResource } from './resources/time-resource.js';
import { wellKnownCore } from './resources/well-known-core.js';
import { PLUGTEST_BLOCK_RESOURCES } from './plugtest/plugtest-block.js';
import { PLUGTEST_CORE_RESOURCES } from './plugtest/plugtest-core.js';
import { PLUGTEST_LINK_RESOURCES } from './plugtest/plugtest-links.js';
import { PLUGTEST_OBSERVE_RESOURCES } from './plugtest/plugtest-observe.js';

export const NIC_RESOURCES: readonly Resource[] = [
  wellKnownCore,
  timeResource,
  gpioResource,
  nicInfoResource,
  registerResource,
  profileResource,
  firmwareResource,
  slowResource,
];

export const PLUGTEST_RESOURCES: readonly Resource[] = [
  ...PLUGTEST_CORE_RESOURCES,
  ...PLUGTEST_BLOCK_RESOURCES,
  ...PLUGTEST_OBSERVE_RESOURCES,
  ...PLUGTEST_LINK_RESOURCES,
];

/** Built once and shared by every device of a profile: devices pay nothing per resource. */
export const NIC_TABLE = new ResourceTable(NIC_RESOURCES);
export const PLUGTEST_TABLE = new ResourceTable([...NIC_RESOURCES, ...PLUGTEST_RESOURCES]);
