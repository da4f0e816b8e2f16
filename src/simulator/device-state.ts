// The mutable state of one simulated device: clock offset, GPIO pins, meter, and lazily the rest.
import type { CoapOption } from '../coap/index.js';

/** GPIO pins of a meter NIC: three outputs the head end may switch, two inputs it may watch. */
export interface PinDefinition {
  readonly id: number;
  readonly name: string;
  readonly direction: 'in' | 'out';
}

export const PINS: readonly PinDefinition[] = [
  { id: 0, name: 'relay', direction: 'out' },
  { id: 1, name: 'led', direction: 'out' },
  { id: 2, name: 'aux', direction: 'out' },
  { id: 3, name: 'tamper', direction: 'in' },
  { id: 4, name: 'door', direction: 'in' },
];

/** State of the plugtest resources (created on first use, so plain devices pay nothing). */
export interface PlugtestState {
  test: { payload: Buffer; format: number };
  obs: { value: number; payload: Buffer | undefined; format: number; deleted: boolean };
  validate: { payload: Buffer; version: number };
  create1: Buffer | undefined;
  largeUpdate: Buffer;
  largeCreated: Map<string, Buffer>;
  nextCreatedId: number;
  pumping: number;
}

/** A Block1 upload in progress (RFC 7959 §2.5), keyed by client endpoint, path and Request-Tag. */
export interface Upload {
  readonly startedAtMs: number;
  readonly szx: number;
  readonly chunks: Buffer[];
  received: number;
  touchedAtMs: number;
}

/** A response body kept for Block2 follow-ups of a non-GET request (RFC 7959 §2.7 / TD_COAP_BLOCK_05). */
export interface StoredBody {
  readonly code: number;
  readonly options: readonly CoapOption[];
  readonly payload: Buffer;
  readonly storedAtMs: number;
}

export interface FirmwareImage {
  readonly size: number;
  readonly checksum: string;
  readonly receivedAtMs: number;
}

export class DeviceState {
  /** Monotonic time of the last (re)boot, for uptime. */
  bootAtMs: number;
  /** Added to the wall clock to give the device's own time (PUT /time sets it). */
  clockOffsetMs = 0;
  /** One bit per pin of PINS. */
  pins = 0;
  readonly meterStartWh: number;
  /** Average load in W; the register grows by rateW / 3600 Wh per second. */
  readonly meterRateW: number;
  readonly createdAtMs: number;
  reboots = 0;
  firmware: FirmwareImage | undefined;
  plugtest: PlugtestState | undefined;
  uploads: Map<string, Upload> | undefined;
  bodies: Map<string, StoredBody> | undefined;

  constructor(nowMs: number, seed: number) {
    this.bootAtMs = nowMs;
    this.createdAtMs = nowMs;
    // Deterministic per device: a register between 1 and 100 MWh, a load between 200 W and 5 kW.
    this.meterStartWh = 1_000_000 + ((seed * 2654435761) >>> 0) % 99_000_000;
    this.meterRateW = 200 + ((seed * 40503) % 4800);
  }

  pin(id: number): number {
    return (this.pins >>> id) & 1;
  }

  setPin(id: number, value: number): void {
    this.pins = value === 0 ? this.pins & ~(1 << id) : this.pins | (1 << id);
  }

  meterWh(nowMs: number): number {
    return this.meterStartWh + (this.meterRateW * (nowMs - this.createdAtMs)) / 3_600_000;
  }

  /** A reboot loses volatile state (uploads, stored bodies, plugtest resources, clock offset). */
  reboot(nowMs: number): void {
    this.bootAtMs = nowMs;
    this.clockOffsetMs = 0;
    this.reboots++;
    this.plugtest = undefined;
    this.uploads = undefined;
    this.bodies = undefined;
  }
}
