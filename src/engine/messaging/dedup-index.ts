// Dedup index: (peer, message ID) -> slot of the dedup store, an open-addressing table of slot numbers.
import { staysInRun } from '../number-table.js';
import type { Peer } from '../peer.js';
import { NONE, type DedupStore } from './dedup-store.js';

/**
 * Linear probing over one Int32Array, at most half full (it has twice the store's slots, rounded up to
 * a power of two, from the start: zero pages cost nothing until written, and no resize ever rehashes
 * in the middle of a load), with backward-shift deletion (no tombstones, so lookups stay short however
 * many entries come and go). A cell holds slot + 1; 0 is empty, so the table needs no fill. Unlike a
 * Map keyed by serial * 65536 + ID, no key is boxed once serials pass 2^14, no hash table is rebuilt to
 * shed deleted entries, and the GC has nothing to trace.
 */
export class DedupIndex {
  private readonly cells: Int32Array;
  private readonly mask: number;
  size = 0;

  constructor(private readonly store: DedupStore) {
    let n = 1024;
    while (n < store.capacity * 2) n *= 2;
    this.cells = new Int32Array(n);
    this.mask = n - 1;
  }

  get capacity(): number {
    return this.cells.length;
  }

  /** The slot of (peer, message ID), or NONE. */
  find(peer: Peer, messageId: number): number {
    const cells = this.cells;
    const { messageId: ids, peer: peers } = this.store;
    for (let i = this.home(peer.serial, messageId); ; i = (i + 1) & this.mask) {
      const s = (cells[i] as number) - 1;
      if (s === NONE || (ids[s] === messageId && peers[s] === peer)) return s;
    }
  }

  /** Adds a slot whose (peer, message ID) is not in the table. */
  insert(slot: number): void {
    const cells = this.cells;
    let i = this.homeOf(slot);
    while (cells[i] !== 0) i = (i + 1) & this.mask;
    cells[i] = slot + 1;
    this.size++;
  }

  /** Removes a slot that is in the table. */
  delete(slot: number): void {
    const cells = this.cells;
    const mask = this.mask;
    let hole = this.homeOf(slot);
    while (cells[hole] !== slot + 1) {
      if (cells[hole] === 0) return;
      hole = (hole + 1) & mask;
    }
    // Backward shift: pull later slots of the run into the hole unless their home lies after it.
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const c = cells[j] as number;
      if (c === 0) break;
      if (!staysInRun(hole, j, this.homeOf(c - 1))) {
        cells[hole] = c;
        hole = j;
      }
    }
    cells[hole] = 0;
    this.size--;
  }

  clear(): void {
    this.cells.fill(0);
    this.size = 0;
  }

  private homeOf(slot: number): number {
    return this.home((this.store.peer[slot] as Peer).serial, this.store.messageId[slot] as number);
  }

  /** A well-mixed cell for (serial, ID): serials are sequential and IDs too, so both are scrambled. */
  private home(serial: number, messageId: number): number {
    let h = Math.imul(serial | 0, 0x9e3779b1) ^ messageId;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    return (h ^ (h >>> 13)) & this.mask;
  }
}
