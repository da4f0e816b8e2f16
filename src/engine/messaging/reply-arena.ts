// Reply arena: the replies kept for duplicate CONs (RFC 7252 §4.5), copied into one growing byte ring.

/**
 * Every CON request leaves a reply (its ACK or piggybacked response) to replay to a duplicate for
 * EXCHANGE_LIFETIME. Kept as a Buffer or a string per entry, each reply would be an object surviving
 * young-generation GCs (their pause grows with survivors: the half-load p99 of bench s2b). Here a
 * reply is a span (lap, offset, length) of one ring that its entry holds in small integers.
 *
 * The ring is written front to back; at its end it grows (doubling, up to maxBytes) while the live
 * replies would fill more than half of it, and otherwise starts over (lap + 1). A span is intact until
 * the next lap writes over it; an entry whose reply was overwritten counts as forgotten (see
 * Deduplicator.find), exactly as one evicted by the caps.
 */
export class ReplyArena {
  private bytes: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Bytes of live replies (stored and not yet released). */
  private live = 0;
  lap = 1;

  constructor(
    private readonly initialBytes: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.bytes.length;
  }

  /** Copies a reply in; its offset in the current lap, or -1 when it cannot be kept (too large). */
  store(datagram: Buffer): number {
    const n = datagram.length;
    if (n * 4 > this.maxBytes) return -1;
    if (this.pos + n > this.bytes.length && !this.grow(n)) {
      this.lap++;
      this.pos = 0;
    }
    datagram.copy(this.bytes, this.pos);
    const at = this.pos;
    this.pos += n;
    this.live += n;
    return at;
  }

  /** A span written in this lap, or in the last one and not yet overwritten. */
  intact(lap: number, offset: number): boolean {
    return lap === this.lap || (lap === this.lap - 1 && offset >= this.pos);
  }

  /** A copy of an intact span (sent again for a duplicate). */
  read(offset: number, length: number): Buffer {
    return Buffer.from(this.bytes.subarray(offset, offset + length));
  }

  /** The span's entry is gone: its bytes no longer count as live. */
  release(length: number): void {
    this.live -= length;
  }

  clear(): void {
    this.bytes = Buffer.alloc(0);
    this.pos = 0;
    this.live = 0;
    this.lap++;
  }

  /** Grows so `n` more bytes fit after pos, if the live replies need the room and the cap allows. */
  private grow(n: number): boolean {
    const size = this.bytes.length;
    if (size >= this.maxBytes || (size > 0 && (this.live + n) * 2 <= size)) return false;
    let next = Math.max(size * 2, this.initialBytes);
    while (next < this.pos + n) next *= 2;
    next = Math.min(next, this.maxBytes);
    if (next < this.pos + n) return false;
    const bigger = Buffer.allocUnsafeSlow(next);
    this.bytes.copy(bigger, 0, 0, size);
    this.bytes = bigger;
    return true;
  }
}
