// Send batch: the datagrams sent during one event-loop turn leave together, back to back, at its end.

/** Sends one datagram now (the socket's own send). */
export type SendNow = (data: Buffer, port: number, address: string) => void;

/**
 * Why batch: a sendmsg that wakes a sleeping receiver (a device, a client, on loopback or on a busy
 * host) costs about twice one that finds it awake, because the sender pays for the wake-up. Sending
 * each datagram the moment it is ready, ~20 µs of request work apart, wakes the receiver every time;
 * sending a turn's datagrams back to back wakes it once (bench s3: +43% requests/s).
 *
 * The turn's end is the check phase (`setImmediate`), which runs right after the poll phase has
 * delivered up to 32 datagrams per socket, and after the timers and promise continuations that ran
 * in the same turn. Order is kept. A turn that queues `maxBatch` datagrams sends them at once: 32, one
 * libuv read batch, keeps what a burst adds to latency small (bench s2b: +p50 ~0.1 ms at half load;
 * s3 gains as much as with 256). No object is allocated per datagram (three parallel arrays are reused).
 */
export class SendBatch {
  private readonly data: (Buffer | undefined)[] = [];
  private readonly ports: number[] = [];
  private readonly addresses: string[] = [];
  private count = 0;
  private scheduled = false;
  private readonly onImmediate = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(
    private readonly sendNow: SendNow,
    private readonly maxBatch = 32,
  ) {}

  /** Datagrams waiting for the end of this turn. */
  get pending(): number {
    return this.count;
  }

  push(data: Buffer, port: number, address: string): void {
    const i = this.count++;
    this.data[i] = data;
    this.ports[i] = port;
    this.addresses[i] = address;
    if (this.count >= this.maxBatch) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.onImmediate);
    }
  }

  /** Sends everything queued, oldest first, and forgets the buffers. */
  flush(): void {
    const n = this.count;
    this.count = 0;
    for (let i = 0; i < n; i++) {
      const d = this.data[i];
      this.data[i] = undefined;
      if (d !== undefined) this.sendNow(d, this.ports[i] ?? 0, this.addresses[i] ?? '');
    }
  }
}
