// Device: one simulated NIC: its transport stack (mesh, faults), an engine endpoint, resources and observers.
import type { Clock, Random, TimerHandle } from '../base/index.js';
import { Code, codeClass, decode, encode, isResponseCode, withOption, type Message } from '../coap/index.js';
import { createEndpoint, type Endpoint, type EndpointStats, type ServerExchange, type ServerObserver, type Timing } from '../engine/index.js';
import type { Logger } from '../telemetry/index.js';
import type { DatagramTransport, PeerAddress } from '../transport/index.js';
import { detachableTransport } from './detachable-transport.js';
import type { DeviceIdentity } from './device-identity.js';
import { PINS, DeviceState } from './device-state.js';
import { faultTransport, NO_FAULT, type FaultMode, type FaultSettings, type FaultTransport } from './fault-transport.js';
import { meshTransport, PERFECT_LINK, type LinkQuality, type MeshCounters, type MeshTransport } from './mesh-transport.js';
import { dispatch, type Dispatched } from './resources/dispatch.js';
import { isDeferred, type DeviceConfig, type DeviceContext, type ResourceResponse } from './resources/resource.js';
import type { ResourceTable } from './resources/resource-table.js';

export interface DeviceOptions {
  readonly identity: DeviceIdentity;
  /** The device's own bound socket (UDP or MemoryNetwork). */
  readonly transport: DatagramTransport;
  readonly table: ResourceTable;
  readonly config: DeviceConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly link?: LinkQuality;
  readonly timing?: Partial<Timing>;
  readonly logger?: Logger;
}

/** Observers one device keeps at most (a real NIC has room for a handful). */
const MAX_OBSERVERS = 256;

interface Observed {
  readonly observers: Set<ServerObserver>;
  timer: TimerHandle | undefined;
}

export class Device {
  readonly identity: DeviceIdentity;
  readonly state: DeviceState;
  private linkQuality: LinkQuality;
  private faultSettings: FaultSettings = NO_FAULT;
  private readonly mesh: MeshTransport;
  private readonly faults: FaultTransport;
  private endpoint: Endpoint;
  private observed: Map<string, Observed> | undefined;
  private readonly deferred = new Set<TimerHandle>();
  private readonly ctx: DeviceContext;
  private closed = false;

  constructor(private readonly options: DeviceOptions) {
    const { clock, random } = options;
    this.identity = options.identity;
    this.state = new DeviceState(clock.now(), options.identity.index + 1);
    this.linkQuality = options.link ?? PERFECT_LINK;
    this.mesh = meshTransport(options.transport, { clock, random, link: () => this.linkQuality });
    this.faults = faultTransport(this.mesh, { clock, random, faults: () => this.faultSettings });
    this.ctx = {
      identity: this.identity,
      state: this.state,
      config: options.config,
      clock,
      random,
      changed: (path) => this.notify(path),
      endObservations: (path, final) => this.endObservations(path, final),
      links: () => options.table.links,
    };
    this.endpoint = this.boot();
  }

  /** Where the device listens. */
  get address(): PeerAddress {
    return { address: this.identity.address, port: this.identity.port };
  }

  get link(): LinkQuality {
    return this.linkQuality;
  }

  /** Changes the device's mesh path (delay, jitter, loss in both directions) at run time. */
  setLink(link: LinkQuality): void {
    this.linkQuality = link;
  }

  get fault(): FaultSettings {
    return this.faultSettings;
  }

  setFault(mode: FaultMode, params: Partial<Omit<FaultSettings, 'mode'>> = {}): void {
    this.faultSettings = { ...NO_FAULT, ...params, mode };
  }

  /** Adds option `n` (e.g. 2050, unknown and unsafe) to every response, or stops doing so. */
  setResponseOption(n: number | undefined, value: Buffer = Buffer.from('x')): void {
    this.faults.outgoingRewrite =
      n === undefined
        ? undefined
        : (data) => {
            const m = decode(data);
            if (!m.ok || !isResponseCode(m.value.code)) return data;
            return encode({ ...m.value, options: withOption(m.value.options, n, value) });
          };
  }

  /** Datagram counts of the mesh hop (sent, received, dropped per direction). */
  get counters(): Readonly<MeshCounters> {
    return this.mesh.counters;
  }

  stats(): EndpointStats {
    return this.endpoint.stats();
  }

  observerCount(path?: string): number {
    if (this.observed === undefined) return 0;
    if (path !== undefined) return this.observed.get(path)?.observers.size ?? 0;
    let n = 0;
    for (const o of this.observed.values()) n += o.observers.size;
    return n;
  }

  /** Sets an input pin as the field would (tamper switch, door contact); observers of /gpio hear it. */
  setInput(pinId: number, value: 0 | 1): void {
    const pin = PINS.find((p) => p.id === pinId && p.direction === 'in');
    if (pin === undefined) throw new RangeError(`pin ${pinId} is not an input`);
    if (this.state.pin(pinId) === value) return;
    this.state.setPin(pinId, value);
    this.notify('/gpio');
  }

  /** A reboot: the endpoint restarts (message IDs, deduplication, observers are lost), volatile state too. */
  async restart(): Promise<void> {
    if (this.closed) return;
    this.dropVolatile();
    await this.endpoint.close();
    this.state.reboot(this.options.clock.now());
    this.endpoint = this.boot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dropVolatile();
    await this.endpoint.close();
    await this.faults.close();
  }

  private boot(): Endpoint {
    const endpoint = createEndpoint({
      transport: detachableTransport(this.faults),
      clock: this.options.clock,
      random: this.options.random,
      ...(this.options.timing === undefined ? {} : { timing: this.options.timing }),
      ...(this.options.logger === undefined ? {} : { logger: this.options.logger }),
      // A device has few peers (the gateway): small deduplication memory keeps 10,000 devices light.
      limits: { dedupPerPeer: 256, dedupTotal: 1024 },
    });
    endpoint.serve((exchange) => this.handle(exchange));
    return endpoint;
  }

  private dropVolatile(): void {
    for (const t of this.deferred) this.options.clock.clearTimer(t);
    this.deferred.clear();
    if (this.observed !== undefined) {
      for (const o of this.observed.values()) {
        if (o.timer !== undefined) this.options.clock.clearTimer(o.timer);
        // Forgotten without a word, as a rebooted device would (TD_COAP_OBS_04).
        for (const obs of o.observers) obs.end();
      }
      this.observed = undefined;
    }
  }

  /** A handler bug must never take the device down: it becomes a 5.00 with a diagnostic (RFC 7252 §5.9.3.1). */
  private safeDispatch(request: Message, from: PeerAddress): Dispatched {
    try {
      return dispatch(request, from, this.ctx, this.options.table);
    } catch (error) {
      this.options.logger?.error({ err: error instanceof Error ? error.message : String(error), device: this.identity.name }, 'simulator: resource failed');
      return { outcome: { code: Code.INTERNAL_SERVER_ERROR, payload: Buffer.from('internal error', 'utf8') }, resource: undefined };
    }
  }

  private handle(exchange: ServerExchange): void {
    const { request, from } = exchange;
    const { outcome, resource } = this.safeDispatch(request, from);
    if (isDeferred(outcome)) {
      // RFC 7252 §5.2.2: empty ACK now, the response later as a separate message.
      exchange.accept();
      const timer = this.options.clock.setTimer(() => {
        this.deferred.delete(timer);
        if (!exchange.open) return;
        try {
          exchange.respond(outcome.produce());
        } catch {
          exchange.respond({ code: Code.INTERNAL_SERVER_ERROR, payload: Buffer.from('internal error', 'utf8') });
        }
      }, outcome.delayMs);
      this.deferred.add(timer);
      return;
    }
    if (
      exchange.observeRequested &&
      resource?.observe !== undefined &&
      // RFC 7641 §4.1: a server may decline to add an observer; it then answers without Observe.
      this.observerCount() < MAX_OBSERVERS &&
      request.code === Code.GET &&
      codeClass(outcome.code) === 2
    ) {
      const path = resource.path;
      // The end callback may run before observe() returns (never, today): keep the observer in a holder.
      const holder: { observer?: ServerObserver } = {};
      const observer = exchange.observe(() => {
        if (holder.observer !== undefined) this.removeObserver(path, holder.observer);
      });
      if (observer !== undefined) {
        holder.observer = observer;
        this.addObserver(path, observer);
      }
    }
    exchange.respond(outcome);
  }

  private addObserver(path: string, observer: ServerObserver): void {
    const observed = (this.observed ??= new Map());
    let o = observed.get(path);
    if (o === undefined) {
      o = { observers: new Set(), timer: undefined };
      observed.set(path, o);
    }
    o.observers.add(observer);
    if (o.timer === undefined) this.schedule(path, o);
  }

  private removeObserver(path: string, observer: ServerObserver): void {
    const o = this.observed?.get(path);
    if (o === undefined) return;
    o.observers.delete(observer);
    if (o.observers.size === 0) {
      if (o.timer !== undefined) this.options.clock.clearTimer(o.timer);
      this.observed?.delete(path);
    }
  }

  /** Periodic notifications only while someone observes: an idle fleet runs no timers. */
  private schedule(path: string, o: Observed): void {
    const spec = this.options.table.find(path)?.observe;
    const period = spec?.periodMs?.(this.options.config);
    if (period === undefined || period <= 0) return;
    o.timer = this.options.clock.setTimer(() => {
      o.timer = undefined;
      this.notify(path);
      const still = this.observed?.get(path);
      if (still !== undefined && still.timer === undefined) this.schedule(path, still);
    }, period);
  }

  /** RFC 7641 §4.2: every observer gets the current state, rendered for its own request (Accept, Block2). */
  private notify(path: string): void {
    const o = this.observed?.get(path);
    if (o === undefined) return;
    const confirmable = this.options.table.find(path)?.observe?.confirmable ?? false;
    for (const observer of [...o.observers]) {
      if (!observer.active) {
        this.removeObserver(path, observer);
        continue;
      }
      const { outcome } = this.safeDispatch(observer.request, observer.from);
      const response = isDeferred(outcome) ? outcome.produce() : outcome;
      observer.notify(response, { confirmable });
    }
  }

  private endObservations(path: string, final: ResourceResponse): void {
    const o = this.observed?.get(path);
    if (o === undefined) return;
    if (o.timer !== undefined) this.options.clock.clearTimer(o.timer);
    this.observed?.delete(path);
    for (const observer of o.observers) observer.end(final);
  }
}
