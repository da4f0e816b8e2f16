// A DeviceContext without a network: runs resources directly (unit tests, tools) and records what changed.
import type { Clock, Random } from '../../base/index.js';
import { MessageType, OptionNumber, makeOptions, type Message } from '../../coap/index.js';
import type { DeviceIdentity } from '../device-identity.js';
import { DeviceState } from '../device-state.js';
import { DEFAULT_DEVICE_CONFIG, type DeviceConfig, type DeviceContext, type Entry, type ResourceResponse } from './resource.js';
import type { ResourceTable } from './resource-table.js';

export interface StandaloneContext extends DeviceContext {
  /** Paths passed to changed(), in order. */
  readonly changes: string[];
  /** endObservations() calls, in order. */
  readonly ended: Array<{ readonly path: string; readonly final: ResourceResponse }>;
}

export function createStandaloneContext(options: {
  readonly identity: DeviceIdentity;
  readonly table: ResourceTable;
  readonly clock: Clock;
  readonly random: Random;
  readonly config?: Partial<DeviceConfig>;
}): StandaloneContext {
  const changes: string[] = [];
  const ended: Array<{ path: string; final: ResourceResponse }> = [];
  return {
    identity: options.identity,
    state: new DeviceState(options.clock.now(), options.identity.index + 1),
    config: { ...DEFAULT_DEVICE_CONFIG, ...options.config },
    clock: options.clock,
    random: options.random,
    changes,
    ended,
    changed: (path) => changes.push(path),
    endObservations: (path, final) => ended.push({ path, final }),
    links: () => options.table.links,
  };
}

/** A request message for `uri` ("/a/b?x=1&y"), with extra options and a body. */
export function requestMessage(code: number, uri: string, extra: readonly Entry[] = [], payload: Buffer | string = ''): Message {
  const [path = '', query] = uri.split('?', 2);
  const entries: Entry[] = [...extra];
  for (const segment of path.split('/').slice(1)) if (segment !== '') entries.push([OptionNumber.URI_PATH, segment]);
  if (query !== undefined) for (const q of query.split('&')) entries.push([OptionNumber.URI_QUERY, q]);
  return {
    type: MessageType.CON,
    code,
    messageId: 1,
    token: Buffer.from([0xab]),
    options: makeOptions(entries),
    payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
  };
}
