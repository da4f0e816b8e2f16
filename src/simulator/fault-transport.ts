// Device fault modes as a DatagramTransport wrapper: down, slow, lossy, reset, malformed, truncated.
import type { Clock, Random, TimerHandle } from '../base/index.js';
import type { DatagramHandler, DatagramTransport, PeerAddress } from '../transport/index.js';

/**
 * - `none`: healthy.
 * - `down`: receives and sends nothing (a device that went off the mesh).
 * - `slow`: every datagram the device sends leaves `slowMs` later.
 * - `lossy`: each datagram, either direction, is dropped with probability `lossRate`.
 * - `reset`: every CON/NON it receives is answered with an RST (RFC 7252 §4.2/§4.3) and goes no further.
 * - `malformed`: every datagram it sends is replaced by garbage that is not a valid CoAP message.
 * - `truncated`: every datagram it sends is cut inside its first option (or after the payload marker),
 *   so it becomes a message format error (RFC 7252 §3).
 */
export type FaultMode = 'none' | 'down' | 'slow' | 'lossy' | 'reset' | 'malformed' | 'truncated';

export const FAULT_MODES: readonly FaultMode[] = ['none', 'down', 'slow', 'lossy', 'reset', 'malformed', 'truncated'];

export interface FaultSettings {
  readonly mode: FaultMode;
  readonly slowMs: number;
  readonly lossRate: number;
}

export const NO_FAULT: FaultSettings = { mode: 'none', slowMs: 5000, lossRate: 0.5 };

export interface FaultTransport extends DatagramTransport {
  /** Rewrites outgoing datagrams (e.g. to add an option); undefined = send unchanged. */
  outgoingRewrite: ((data: Buffer) => Buffer) | undefined;
}

export interface FaultTransportOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly faults: () => FaultSettings;
}

// RFC 7252 §3: Ver(2) T(2) TKL(4) | Code(8) | Message ID(16).
const TYPE_CON = 0;
const TYPE_NON = 1;
const TYPE_RST = 3;

function rstFor(data: Buffer): Buffer | undefined {
  if (data.length < 4 || data[0]! >>> 6 !== 1) return undefined;
  const type = (data[0]! >>> 4) & 0x03;
  if (type !== TYPE_CON && type !== TYPE_NON) return undefined;
  const rst = Buffer.alloc(4);
  rst[0] = 0x40 | (TYPE_RST << 4);
  rst[1] = 0;
  rst[2] = data[2]!;
  rst[3] = data[3]!;
  return rst;
}

/** Garbage that keeps the MID (so it looks like an answer) but has a token length of 9-15 (RFC 7252 §3). */
export function garble(data: Buffer, random: Random): Buffer {
  const out = random.bytes(Math.max(8, data.length));
  out[0] = 0x40 | (data.length > 0 ? data[0]! & 0x30 : 0x20) | (9 + random.int(0, 7));
  if (data.length >= 4) {
    out[2] = data[2]!;
    out[3] = data[3]!;
  }
  return out;
}

/** Cuts a message so that its first option, or its payload marker, runs past the end. */
export function truncate(data: Buffer): Buffer {
  if (data.length < 4) return data;
  const start = 4 + (data[0]! & 0x0f);
  if (data.length <= start) return data;
  const first = data[start]!;
  if (first === 0xff) return data.subarray(0, start + 1);
  const lengthNibble = first & 0x0f;
  const deltaNibble = first >>> 4;
  const extra = (deltaNibble === 13 ? 1 : deltaNibble === 14 ? 2 : 0) + (lengthNibble === 13 ? 1 : lengthNibble === 14 ? 2 : 0);
  if (lengthNibble === 0) {
    // An empty option value: cut inside the extended header bytes or leave a lone option header plus
    // a marker, which is a format error either way.
    return Buffer.concat([data.subarray(0, start + 1 + extra), Buffer.from([0xff])]);
  }
  return data.subarray(0, start + 1 + extra);
}

/** Wraps a device's transport so tests can switch faults on and off at run time. */
export function faultTransport(inner: DatagramTransport, options: FaultTransportOptions): FaultTransport {
  const { clock, random } = options;
  const timers = new Set<TimerHandle>();
  let handler: DatagramHandler | undefined;
  let closed = false;

  const transport: FaultTransport = {
    outgoingRewrite: undefined,
    get local() {
      return inner.local;
    },
    send(data: Buffer, to: PeerAddress): void {
      if (closed) return;
      const f = options.faults();
      let out = transport.outgoingRewrite === undefined ? data : transport.outgoingRewrite(data);
      switch (f.mode) {
        case 'down':
        case 'reset':
          return;
        case 'lossy':
          if (random.float() < f.lossRate) return;
          break;
        case 'malformed':
          out = garble(out, random);
          break;
        case 'truncated':
          out = truncate(out);
          break;
        case 'slow': {
          const handle = clock.setTimer(() => {
            timers.delete(handle);
            if (!closed) inner.send(out, to);
          }, f.slowMs);
          timers.add(handle);
          return;
        }
        case 'none':
          break;
      }
      inner.send(out, to);
    },
    onDatagram(h: DatagramHandler): void {
      handler = h;
    },
    async close(): Promise<void> {
      closed = true;
      for (const t of timers) clock.clearTimer(t);
      timers.clear();
      await inner.close();
    },
  };

  inner.onDatagram((data, from) => {
    if (closed) return;
    const f = options.faults();
    switch (f.mode) {
      case 'down':
        return;
      case 'reset': {
        const rst = rstFor(data);
        if (rst !== undefined) inner.send(rst, from);
        return;
      }
      case 'lossy':
        if (random.float() < f.lossRate) return;
        break;
      default:
        break;
    }
    handler?.(data, from);
  });
  return transport;
}
