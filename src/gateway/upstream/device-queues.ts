// DeviceQueues: at most NSTART outstanding requests per device (RFC 7252 §4.7), the rest wait in a bounded queue.
import type { Clock, Result, TimerHandle } from '../../base/index.js';
import { ok, err } from '../../base/index.js';

/** A held place among a device's NSTART outstanding requests; release it exactly once. */
export interface DeviceSlot {
  release(): void;
}

/** A slot as a plain object (no closure per request); a second release() does nothing. */
class HeldSlot implements DeviceSlot {
  private released = false;

  constructor(
    private readonly queues: DeviceQueues,
    private readonly device: string,
    private readonly state: DeviceState,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    this.queues.handOn(this.device, this.state);
  }
}

interface Waiter {
  readonly resolve: (slot: DeviceSlot | undefined) => void;
  timer: TimerHandle | undefined;
}

interface DeviceState {
  active: number;
  readonly waiting: Waiter[];
  /** Asked for since the last sweep. */
  used: boolean;
}

/**
 * How long an idle device's state is kept (between one and two of these). Deleting it the moment its
 * last request ends would make the Map, which lives long, rebuild its table in old space every few
 * requests when a device's load comes and goes (see engine/number-table.ts); one sweep does it instead.
 */
const IDLE_SWEEP_MS = 10_000;

export interface DeviceQueueStats {
  readonly devices: number;
  readonly active: number;
  readonly waiting: number;
}

export class DeviceQueues {
  private readonly devices = new Map<string, DeviceState>();
  private closed = false;
  private nextSweepAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly nstart: number,
    private readonly queueLimit: number,
  ) {
    this.nextSweepAt = clock.now() + IDLE_SWEEP_MS;
  }

  /**
   * Asks for a slot towards `device`. 'full' when NSTART requests are out and `queueLimit` wait
   * already (the caller answers 5.03). Otherwise a promise of the slot, or of undefined when
   * `maxWaitMs` passed first (the client has given up by then) or the queues were closed.
   */
  /** A slot at once when one is free and nobody waits for `device`; else undefined (then use acquire()). */
  tryAcquire(device: string): DeviceSlot | undefined {
    if (this.closed) return undefined;
    const state = this.stateOf(device);
    if (state.active >= this.nstart || state.waiting.length > 0) return undefined;
    state.active++;
    return new HeldSlot(this, device, state);
  }

  acquire(device: string, maxWaitMs: number): Result<Promise<DeviceSlot | undefined>, 'full'> {
    if (this.closed) return ok(Promise.resolve(undefined));
    const state = this.stateOf(device);
    if (state.active < this.nstart) {
      state.active++;
      return ok(Promise.resolve(this.slot(device, state)));
    }
    if (state.waiting.length >= this.queueLimit) return err('full');
    const s = state;
    return ok(
      new Promise<DeviceSlot | undefined>((resolve) => {
        const waiter: Waiter = { resolve, timer: undefined };
        waiter.timer = this.clock.setTimer(() => {
          waiter.timer = undefined;
          const i = s.waiting.indexOf(waiter);
          if (i >= 0) s.waiting.splice(i, 1);
          resolve(undefined);
        }, maxWaitMs);
        s.waiting.push(waiter);
      }),
    );
  }

  /** Requests waiting for `device` (for Max-Age hints and tests). */
  waitingFor(device: string): number {
    return this.devices.get(device)?.waiting.length ?? 0;
  }

  /** `devices`: those with requests out or waiting (idle ones kept for reuse are not counted). */
  stats(): DeviceQueueStats {
    let devices = 0;
    let active = 0;
    let waiting = 0;
    for (const s of this.devices.values()) {
      if (s.active === 0 && s.waiting.length === 0) continue;
      devices++;
      active += s.active;
      waiting += s.waiting.length;
    }
    return { devices, active, waiting };
  }

  /** Idle states kept for reuse (tests). */
  get retained(): number {
    return this.devices.size;
  }

  /** Every waiter gets undefined; held slots may still be released. */
  close(): void {
    this.closed = true;
    for (const s of this.devices.values()) {
      for (const w of s.waiting.splice(0)) {
        if (w.timer !== undefined) this.clock.clearTimer(w.timer);
        w.resolve(undefined);
      }
    }
    this.devices.clear();
  }

  /** The device's state, made on first use; a new device is also when idle ones may be swept. */
  private stateOf(device: string): DeviceState {
    let state = this.devices.get(device);
    if (state !== undefined) {
      state.used = true;
      return state;
    }
    this.sweepIfDue();
    state = { active: 0, waiting: [], used: true };
    this.devices.set(device, state);
    return state;
  }

  /** Forgets the devices idle and not asked for since the last sweep. */
  private sweepIfDue(): void {
    const now = this.clock.now();
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + IDLE_SWEEP_MS;
    for (const [device, s] of this.devices) {
      if (s.active === 0 && s.waiting.length === 0 && !s.used) this.devices.delete(device);
      else s.used = false;
    }
  }

  private slot(device: string, state: DeviceState): DeviceSlot {
    return new HeldSlot(this, device, state);
  }

  /** A released slot passes straight to the next waiter (`active` unchanged), else frees its place. */
  handOn(device: string, state: DeviceState): void {
    const next = state.waiting.shift();
    if (next !== undefined) {
      if (next.timer !== undefined) this.clock.clearTimer(next.timer);
      next.resolve(this.slot(device, state));
      return;
    }
    state.active--;
  }
}
