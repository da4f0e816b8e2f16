// BoundedMap: a Map with a size cap that evicts the oldest insertion first.
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly maxSize: number) {
    if (!(maxSize > 0)) throw new RangeError('maxSize must be positive');
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Sets a value; returns the evicted entry's key when the cap forced one out. */
  set(key: K, value: V): K | undefined {
    let evicted: K | undefined;
    if (!this.map.has(key) && this.map.size >= this.maxSize) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) {
        this.map.delete(oldest.value);
        evicted = oldest.value;
      }
    }
    this.map.set(key, value);
    return evicted;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}
