// Resource model of a simulated device: handlers are functions from a request to a response description.
import type { Clock, Random } from '../../base/index.js';
import {
  ContentFormat,
  OptionNumber,
  getUintOption,
  makeOptions,
  type CoapOption,
  type Link,
  type Message,
} from '../../coap/index.js';
import type { PeerAddress } from '../../transport/index.js';
import type { DeviceIdentity } from '../device-identity.js';
import type { DeviceState } from '../device-state.js';

/** A response as a handler describes it; the engine chooses type, message ID and token. */
export interface ResourceResponse {
  readonly code: number;
  readonly options?: readonly CoapOption[];
  readonly payload?: Buffer;
}

/** A separate response (RFC 7252 §5.2.2): the device ACKs now and answers after `delayMs`. */
export interface DeferredResponse {
  readonly delayMs: number;
  readonly produce: () => ResourceResponse;
}

export type Outcome = ResourceResponse | DeferredResponse;

export function isDeferred(o: Outcome): o is DeferredResponse {
  return 'produce' in o;
}

export interface ResourceRequest {
  readonly message: Message;
  readonly from: PeerAddress;
  /** "/a/b" (RFC 7252 §6.5) */
  readonly path: string;
  readonly segments: readonly string[];
  readonly query: readonly string[];
  /** The whole request body (Block1 transfers arrive here reassembled). */
  readonly payload: Buffer;
}

/** Knobs shared by every device of a fleet. */
export interface DeviceConfig {
  /** /time, /meter/register and /gpio notify observers this often. */
  readonly observePeriodMs: number;
  /** Largest block a device sends or asks for: 2^(szx+4) bytes (RFC 7959 §2.2; 6 = 1024). */
  readonly maxBlockSzx: number;
  /** Largest body accepted by /fw (4.13 beyond, RFC 7959 §2.9.3). */
  readonly maxFirmwareBytes: number;
  /** Largest body any other resource accepts. */
  readonly maxBodyBytes: number;
  /** Default and maximum delay of /slow and /separate, in ms. */
  readonly slowDefaultMs: number;
  readonly slowMaxMs: number;
  /** The ETSI plugtest resources (/test, /obs, /large, ...) on this device. */
  readonly plugtest: boolean;
  readonly firmwareVersion: string;
}

export const DEFAULT_DEVICE_CONFIG: DeviceConfig = {
  observePeriodMs: 5000,
  maxBlockSzx: 6,
  maxFirmwareBytes: 256 * 1024,
  maxBodyBytes: 16 * 1024,
  slowDefaultMs: 2000,
  slowMaxMs: 120_000,
  plugtest: false,
  firmwareVersion: '5.8.1',
};

/** What a handler may touch besides the request. */
export interface DeviceContext {
  readonly identity: DeviceIdentity;
  readonly state: DeviceState;
  readonly config: DeviceConfig;
  readonly clock: Clock;
  readonly random: Random;
  /** Tells observers of `path` that it changed (RFC 7641 §4.2). */
  changed(path: string): void;
  /** Ends every observation of `path` with `final` (e.g. 4.04 after DELETE, RFC 7641 §3.2). */
  endObservations(path: string, final: ResourceResponse): void;
  /** The link-format entries of this device, for /.well-known/core. */
  links(): readonly Link[];
}

export type Handler = (request: ResourceRequest, ctx: DeviceContext) => Outcome;

/** RFC 6690 §3 attributes a resource declares for its link in /.well-known/core. */
export interface LinkAttributes {
  readonly rt?: string;
  readonly if?: string;
  readonly ct?: number | readonly number[];
  readonly sz?: number;
  readonly title?: string;
  readonly obs?: boolean;
}

export interface ObserveSpec {
  /** Period of change-driven notifications, or undefined when it notifies only on change. */
  readonly periodMs?: (config: DeviceConfig) => number;
  /** RFC 7641 §4.5: CON notifications (else NON, with the engine's periodic CON). */
  readonly confirmable: boolean;
}

export interface Resource {
  readonly path: string;
  /** Also serves every path below `path` (e.g. /large-create/<id>). */
  readonly prefix?: boolean;
  /** Link attributes for /.well-known/core; absent = not listed. */
  readonly link?: LinkAttributes;
  readonly methods: Readonly<Partial<Record<number, Handler>>>;
  readonly observe?: ObserveSpec;
  /** Largest request body accepted (Block1 reassembly limit); default config.maxBodyBytes. */
  readonly maxBodyBytes?: (config: DeviceConfig) => number;
}

export type Entry = readonly [number, Buffer | string | number];

/** A response with an optional body, Content-Format and extra options. */
export function reply(code: number, payload?: Buffer | string, contentFormat?: number, extra: readonly Entry[] = []): ResourceResponse {
  const entries: Entry[] = [...extra];
  if (contentFormat !== undefined) entries.push([OptionNumber.CONTENT_FORMAT, contentFormat]);
  const body = payload === undefined ? undefined : typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return body === undefined ? { code, options: makeOptions(entries) } : { code, options: makeOptions(entries), payload: body };
}

/** RFC 7252 §5.5.2: an error response carries a UTF-8 diagnostic payload and no Content-Format. */
export function diagnostic(code: number, text: string, extra: readonly Entry[] = []): ResourceResponse {
  return reply(code, text, undefined, extra);
}

/**
 * RFC 7252 §5.10.4: the first of `offered` when there is no Accept option, the accepted one when
 * offered, undefined (4.06 Not Acceptable) otherwise.
 */
export function negotiate(message: Message, offered: readonly number[]): number | undefined {
  const accept = getUintOption(message, OptionNumber.ACCEPT);
  if (accept === undefined) return offered[0];
  return offered.includes(accept) ? accept : undefined;
}

/** The request's Content-Format, text/plain when absent (a client that sends text often omits it). */
export function requestFormat(message: Message): number {
  return getUintOption(message, OptionNumber.CONTENT_FORMAT) ?? ContentFormat.TEXT_PLAIN;
}

/** Value of `name=` among Uri-Query arguments. */
export function queryValue(query: readonly string[], name: string): string | undefined {
  const prefix = `${name}=`;
  for (const q of query) if (q.startsWith(prefix)) return q.slice(prefix.length);
  return undefined;
}
