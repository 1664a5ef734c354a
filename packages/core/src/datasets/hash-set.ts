/**
 * A 64-bit string hash (two 32-bit lanes, cyrb53-style mixing) fed piece by piece, and a set of such hashes
 * in typed arrays (8 bytes a slot, load ≤ 0.5): the duplicate detector of the profile, in bounded memory.
 */
export class Hash64 {
  h1 = 0xdeadbeef;
  h2 = 0x41c6ce57;

  /** Feeds one string, prefixed with its length so ("ab","c") and ("a","bc") differ. */
  update(s: string): this {
    let h1 = Math.imul(this.h1 ^ s.length, 2654435761);
    let h2 = Math.imul(this.h2 ^ s.length, 1597334677);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
    return this;
  }

  /** The two finalized 32-bit halves. */
  digest(): [number, number] {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return [h1 >>> 0, h2 >>> 0];
  }
}

/**
 * Open-addressing set of 64-bit hashes. Grows by doubling up to `maxEntries` distinct hashes
 * (memory at most 16 bytes × the next power of two above maxEntries); past that, `add` still finds the hashes
 * already stored but stores no new one, and `full` turns true.
 */
export class Hash64Set {
  private slots: Uint32Array;
  private mask: number;
  size = 0;
  full = false;

  constructor(
    readonly maxEntries: number,
    initialCapacity = 1024,
  ) {
    this.slots = new Uint32Array(initialCapacity * 2);
    this.mask = initialCapacity - 1;
  }

  /** True when the hash was already in the set. */
  add(a: number, b: number): boolean {
    if (a === 0 && b === 0) b = 1; // (0,0) marks an empty slot
    const slots = this.slots;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const x = slots[i * 2]!;
      const y = slots[i * 2 + 1]!;
      if (x === 0 && y === 0) break;
      if (x === a && y === b) return true;
      i = (i + 1) & this.mask;
    }
    if (this.size >= this.maxEntries) {
      this.full = true;
      return false;
    }
    slots[i * 2] = a;
    slots[i * 2 + 1] = b;
    this.size++;
    if (this.size * 2 > this.mask + 1) this.grow();
    return false;
  }

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    this.slots = new Uint32Array(capacity * 2);
    this.mask = capacity - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i]!;
      const b = old[i + 1]!;
      if (a !== 0 || b !== 0) this.add(a, b);
    }
  }
}
