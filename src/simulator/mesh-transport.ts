// Mesh model: a DatagramTransport wrapper adding one-way delay, jitter and loss in both directions.
import type { Clock, Random, TimerHandle } from '../base/index.js';
import type { DatagramHandler, DatagramTransport, PeerAddress } from '../transport/index.js';

/** One device's radio path. Read on every datagram, so it can be changed at run time. */
export interface LinkQuality {
  /** Mean one-way delay in ms. */
  readonly delayMs: number;
  /** Uniform jitter: each datagram's delay is drawn from delayMs ± jitterMs (never below 0). */
  readonly jitterMs: number;
  /** Probability in [0, 1] that a datagram is lost, drawn independently per direction. */
  readonly lossRate: number;
}

export const PERFECT_LINK: LinkQuality = { delayMs: 0, jitterMs: 0, lossRate: 0 };

/** Mesh links get slower with each radio hop: a simple model the fleet uses per device. */
export function linkForHops(hops: number, perHopMs: number, jitterPerHopMs: number, lossRate: number): LinkQuality {
  return { delayMs: hops * perHopMs, jitterMs: hops * jitterPerHopMs, lossRate };
}

export interface MeshCounters {
  sent: number;
  received: number;
  droppedOut: number;
  droppedIn: number;
}

export interface MeshTransport extends DatagramTransport {
  readonly counters: Readonly<MeshCounters>;
  /** Datagrams still travelling (delayed, not yet delivered). */
  readonly inFlight: number;
}

export interface MeshTransportOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly link: () => LinkQuality;
}

/** Wraps `inner` (UDP or MemoryNetwork) so both directions see the link's delay and loss. */
export function meshTransport(inner: DatagramTransport, options: MeshTransportOptions): MeshTransport {
  const { clock, random } = options;
  const timers = new Set<TimerHandle>();
  const counters: MeshCounters = { sent: 0, received: 0, droppedOut: 0, droppedIn: 0 };
  let handler: DatagramHandler | undefined;
  let closed = false;

  const lost = (link: LinkQuality): boolean => link.lossRate > 0 && random.float() < link.lossRate;
  const delayOf = (link: LinkQuality): number => {
    if (link.jitterMs <= 0) return Math.max(0, link.delayMs);
    return Math.max(0, link.delayMs + (random.float() * 2 - 1) * link.jitterMs);
  };
  const later = (delayMs: number, run: () => void): void => {
    // A perfect link stays synchronous: no timer per datagram for the common fast case.
    if (delayMs <= 0) {
      run();
      return;
    }
    const handle = clock.setTimer(() => {
      timers.delete(handle);
      if (!closed) run();
    }, delayMs);
    timers.add(handle);
  };

  inner.onDatagram((data: Buffer, from: PeerAddress) => {
    if (closed) return;
    const link = options.link();
    if (lost(link)) {
      counters.droppedIn++;
      return;
    }
    later(delayOf(link), () => {
      counters.received++;
      handler?.(data, from);
    });
  });

  return {
    get local() {
      return inner.local;
    },
    counters,
    get inFlight() {
      return timers.size;
    },
    send(data: Buffer, to: PeerAddress): void {
      if (closed) return;
      const link = options.link();
      if (lost(link)) {
        counters.droppedOut++;
        return;
      }
      later(delayOf(link), () => {
        counters.sent++;
        inner.send(data, to);
      });
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
}
