// Dedup index: (peer, message ID) -> remembered entry, an open-addressing table that allocates nothing per entry.
import type { DedupEntry, Peer } from '../peer.js';

const MIN_CAPACITY = 1024;

/**
 * Linear probing over one array of entry references, at most half full, with backward-shift deletion
 * (no tombstones, so lookups stay short however many entries come and go). Unlike a Map keyed by
 * serial * 65536 + ID, no key is boxed once serials pass 2^14, and no hash table is rebuilt to shed
 * deleted entries: adding and removing an entry writes one or a few slots and allocates nothing.
 */
export class DedupIndex {
  private slots: (DedupEntry | undefined)[] = new Array<DedupEntry | undefined>(MIN_CAPACITY).fill(undefined);
  private mask = MIN_CAPACITY - 1;
  size = 0;

  get capacity(): number {
    return this.slots.length;
  }

  find(peer: Peer, messageId: number): DedupEntry | undefined {
    const slots = this.slots;
    for (let i = this.home(peer.serial, messageId); ; i = (i + 1) & this.mask) {
      const e = slots[i];
      if (e === undefined || (e.messageId === messageId && e.peer === peer)) return e;
    }
  }

  /** Adds an entry whose (peer, message ID) is not in the table. */
  insert(entry: DedupEntry): void {
    if ((this.size + 1) * 2 > this.slots.length) this.resize(this.slots.length * 2);
    this.place(entry);
    this.size++;
  }

  /** Removes an entry that is in the table. */
  delete(entry: DedupEntry): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = this.home(entry.peer.serial, entry.messageId);
    while (slots[hole] !== entry) {
      if (slots[hole] === undefined) return;
      hole = (hole + 1) & mask;
    }
    // Backward shift: pull later entries of the run into the hole unless their home lies after it.
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const e = slots[j];
      if (e === undefined) break;
      const h = this.home(e.peer.serial, e.messageId);
      const stays = hole <= j ? hole < h && h <= j : hole < h || h <= j;
      if (!stays) {
        slots[hole] = e;
        hole = j;
      }
    }
    slots[hole] = undefined;
    this.size--;
  }

  clear(): void {
    this.slots = new Array<DedupEntry | undefined>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
    this.size = 0;
  }

  private place(entry: DedupEntry): void {
    const slots = this.slots;
    let i = this.home(entry.peer.serial, entry.messageId);
    while (slots[i] !== undefined) i = (i + 1) & this.mask;
    slots[i] = entry;
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Array<DedupEntry | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    for (const e of old) if (e !== undefined) this.place(e);
  }

  /** A well-mixed slot for (serial, ID): serials are sequential and IDs too, so both are scrambled. */
  private home(serial: number, messageId: number): number {
    let h = Math.imul(serial | 0, 0x9e3779b1) ^ messageId;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    return (h ^ (h >>> 13)) & this.mask;
  }
}
