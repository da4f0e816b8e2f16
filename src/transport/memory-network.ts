// MemoryNetwork: the in-memory twin of UDP, with per-link delay/loss and deliveries on an injected clock.
import type { Clock, Random, TimerHandle } from '../base/index.js';
import type { DatagramHandler, DatagramTransport, PeerAddress } from './datagram-transport.js';

/** Conditions of one direction between two hosts. */
export interface LinkConditions {
  /** One-way delay. */
  readonly delayMs: number;
  /** Extra delay drawn uniformly from [0, jitterMs) (may reorder datagrams). */
  readonly jitterMs?: number;
  /** Probability in [0, 1] that a datagram is lost. */
  readonly loss?: number;
}

/** A datagram as the network carries it (for taps). */
export interface Datagram {
  readonly from: PeerAddress;
  readonly to: PeerAddress;
  readonly data: Buffer;
}

/** Sees every datagram at send time; returning 'drop' loses it (for lockstep tests). */
export type NetworkTap = (datagram: Datagram) => 'drop' | void;

const FIRST_EPHEMERAL_PORT = 49152;
const noHandler: DatagramHandler = () => undefined;

class Delivery {
  timer: TimerHandle | undefined;
  constructor(
    readonly datagram: Datagram,
    readonly target: MemoryTransport,
  ) {}
}

class MemoryTransport implements DatagramTransport {
  handler: DatagramHandler = noHandler;
  closed = false;

  constructor(
    private readonly network: MemoryNetwork,
    readonly local: PeerAddress,
  ) {}

  send(data: Buffer, to: PeerAddress): void {
    if (this.closed) return;
    this.network.carry(this.local, to, data);
  }

  onDatagram(handler: DatagramHandler): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.handler = noHandler;
      this.network.unbind(this);
    }
    return Promise.resolve();
  }
}

export class MemoryNetwork {
  private readonly bound = new Map<string, MemoryTransport>();
  private readonly links = new Map<string, LinkConditions>();
  private readonly inFlight = new Set<Delivery>();
  private readonly nextPort = new Map<string, number>();
  private defaultLink: LinkConditions = { delayMs: 0 };
  private readonly taps: NetworkTap[] = [];
  /** Datagrams sent, delivered and lost so far. */
  readonly counters = { sent: 0, delivered: 0, lost: 0, unreachable: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** Binds an address; port 0 or absent picks a free ephemeral port. Throws if the port is taken. */
  bind(address: string, port = 0): DatagramTransport {
    let p = port;
    if (p === 0) {
      p = this.nextPort.get(address) ?? FIRST_EPHEMERAL_PORT;
      while (this.bound.has(key(address, p))) p = p >= 65535 ? FIRST_EPHEMERAL_PORT : p + 1;
      this.nextPort.set(address, p >= 65535 ? FIRST_EPHEMERAL_PORT : p + 1);
    }
    const k = key(address, p);
    if (this.bound.has(k)) throw new Error(`address in use: ${k}`);
    const t = new MemoryTransport(this, { address, port: p });
    this.bound.set(k, t);
    return t;
  }

  /** Conditions for datagrams from host `from` to host `to` (one direction). */
  setLink(from: string, to: string, conditions: LinkConditions): void {
    this.links.set(`${from}>${to}`, conditions);
  }

  /** Same conditions in both directions. */
  setPath(a: string, b: string, conditions: LinkConditions): void {
    this.setLink(a, b, conditions);
    this.setLink(b, a, conditions);
  }

  /** Conditions for every pair without its own link. */
  setDefaultLink(conditions: LinkConditions): void {
    this.defaultLink = conditions;
  }

  /** Adds a tap; returns a function removing it. */
  tap(tap: NetworkTap): () => void {
    this.taps.push(tap);
    return () => {
      const i = this.taps.indexOf(tap);
      if (i >= 0) this.taps.splice(i, 1);
    };
  }

  /** Datagrams sent but not yet delivered. */
  get pendingDeliveries(): number {
    return this.inFlight.size;
  }

  /** @internal called by transports. */
  carry(from: PeerAddress, to: PeerAddress, data: Buffer): void {
    this.counters.sent++;
    // A copy: the wire does not share memory with the sender.
    const datagram: Datagram = { from, to: { address: to.address, port: to.port }, data: Buffer.from(data) };
    for (const tap of this.taps) {
      if (tap(datagram) === 'drop') {
        this.counters.lost++;
        return;
      }
    }
    const link = this.links.get(`${from.address}>${to.address}`) ?? this.defaultLink;
    if (link.loss !== undefined && link.loss > 0 && this.random.float() < link.loss) {
      this.counters.lost++;
      return;
    }
    const target = this.bound.get(key(to.address, to.port));
    if (target === undefined) {
      // UDP: nobody listening, the datagram vanishes.
      this.counters.unreachable++;
      return;
    }
    const jitter = link.jitterMs !== undefined && link.jitterMs > 0 ? this.random.float() * link.jitterMs : 0;
    const delivery = new Delivery(datagram, target);
    this.inFlight.add(delivery);
    delivery.timer = this.clock.setTimer(() => this.deliver(delivery), link.delayMs + jitter);
  }

  /** @internal */
  unbind(t: MemoryTransport): void {
    this.bound.delete(key(t.local.address, t.local.port));
    for (const d of this.inFlight) {
      if (d.target === t) {
        if (d.timer !== undefined) this.clock.clearTimer(d.timer);
        this.inFlight.delete(d);
      }
    }
  }

  private deliver(d: Delivery): void {
    this.inFlight.delete(d);
    if (d.target.closed) return;
    this.counters.delivered++;
    d.target.handler(d.datagram.data, d.datagram.from);
  }
}

function key(address: string, port: number): string {
  return `${address}|${port}`;
}
