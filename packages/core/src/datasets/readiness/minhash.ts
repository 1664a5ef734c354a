/**
 * Near-duplicate detection in one streamed pass: MinHash signatures of character 5-gram shingles, banded LSH to
 * find candidates, and a check of each candidate's estimated Jaccard similarity against the threshold.
 *
 * Hand-written on purpose: npm has no maintained streaming MinHash/LSH (the `minhash` package is years old, keeps
 * signatures as arrays of numbers and an LSH index of objects, which would not stay flat for millions of rows). The
 * well-kept reference is Python's datasketch (MinHash + MinHashLSH); this follows the same scheme, made compact:
 *
 * - One Permutation Hashing (Li, Owen, Zhang, NIPS 2012): each shingle is hashed once and lands in one of K bins,
 *   each bin keeps its minimum — O(shingles), not O(shingles × K) as with K hash functions. Empty bins (short
 *   texts) are filled by rotation densification (Shrivastava & Li, ICML 2014): an empty bin takes the next
 *   non-empty bin to its right, offset by the distance, which keeps Pr[bins equal] = Jaccard.
 * - Banding (Leskovec, Rajaraman, Ullman, Mining of Massive Datasets §3.4): B bands of R bins; two rows are
 *   candidates when all R bins of one band agree. With B = 16, R = 6 the S-curve's midpoint is (1/16)^(1/6) ≈ 0.63:
 *   a pair at Jaccard 0.75 is a candidate with probability 0.96, at 0.8 with 0.99.
 * - b-bit minwise hashing (Li & König, WWW 2010) for the check: the lowest 8 bits of each bin are kept per row (K
 *   bytes), and J ≈ (matches/K − 2⁻⁸)/(1 − 2⁻⁸).
 *
 * Memory: per remembered row K bytes of fingerprint plus one (key, row) slot in each band's hash table — about
 * 350 bytes; rows past `maxRows` are still checked against the remembered ones but not remembered themselves.
 */

export const MINHASH_BINS = 96;
export const LSH_BANDS = 16;
export const LSH_ROWS_PER_BAND = MINHASH_BINS / LSH_BANDS;
const SHINGLE = 5;
/**
 * Characters shingled per row: bounds the work of one long row. A longer row is shingled on its first and its last
 * MINHASH_MAX_CHARS / 2 characters (two rows that share only a long preamble still differ at the end); rows differing
 * only in the middle of a long text are then taken for near duplicates.
 */
export const MINHASH_MAX_CHARS = 2_048;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Computes signatures of character 5-gram shingles, ASCII letters case-folded. Kept to one multiply-xorshift per
 * character (the pass runs over every character of the upload; see bench/dataset-profile.ts): punctuation and
 * spacing stay part of the shingles, so they lower the similarity of rows that differ only there a little.
 */
const B = 0x01000193;
/** An empty bin (a shingle hashing to exactly this value is taken as 2^32 − 2). */
const EMPTY = 0xffffffff;
/** B^SHINGLE mod 2^32: takes the character leaving the window out of the rolling hash. */
const B5 = Math.imul(Math.imul(Math.imul(Math.imul(B, B), B), B), B);

/**
 * Adds the shingles of `s[0, len)` to the bin minima in `sig`; returns `len`. A standalone function with its state
 * in locals: V8 keeps this loop at ~3 ns a character here, a method with the same body was twice as slow.
 */
function shinglePart(s: string, from: number, len: number, sig: Uint32Array): number {
  if (len < SHINGLE) {
    if (from > 0) s = s.slice(from, from + len);
    // A text shorter than one shingle is one shingle.
    let h = len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ (s.charCodeAt(i) | 0x20), 0x01000193);
    const x = fmix32(h);
    const bin = ((x >>> 16) * MINHASH_BINS) >>> 16;
    if (x < sig[bin]!) sig[bin] = x;
    return len;
  }
  // The last SHINGLE characters (c0 oldest) and their rolling polynomial hash h = Σ c_i·B^(SHINGLE−1−i) mod 2^32.
  // `| 0x20` folds ASCII (and Latin-1) letter case; elsewhere it merges two code points, which costs nothing here.
  let c0 = 0;
  let c1 = s.charCodeAt(from) | 0x20;
  let c2 = s.charCodeAt(from + 1) | 0x20;
  let c3 = s.charCodeAt(from + 2) | 0x20;
  let c4 = s.charCodeAt(from + 3) | 0x20;
  let h = (Math.imul(Math.imul(Math.imul(c1, B) + c2, B) + c3, B) + c4) | 0;
  // h now covers the first 4 characters (c1..c4); each step adds one and drops the oldest.
  for (let i = from + 4, end = from + len; i < end; i++) {
    const c = s.charCodeAt(i) | 0x20;
    h = (Math.imul(h, B) + c - Math.imul(c0, B5)) | 0;
    c0 = c1;
    c1 = c2;
    c2 = c3;
    c3 = c4;
    c4 = c;
    // One hash per shingle (multiply-xorshift): the bin from its high bits, the value is the hash itself (OPH).
    let x = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    x = (x ^ (x >>> 12)) >>> 0;
    const bin = ((x >>> 16) * MINHASH_BINS) >>> 16;
    if (x < sig[bin]!) sig[bin] = x;
  }
  return len;
}

export class MinHasher {
  /** The last signature (K bins), reused between calls. */
  readonly sig = new Uint32Array(MINHASH_BINS);
  private readonly dense = new Uint32Array(MINHASH_BINS);

  /** Signature of the texts given (their shingles together; none spans two texts); false when there is no text. */
  sign(parts: readonly string[]): boolean {
    const sig = this.sig;
    sig.fill(EMPTY);
    let total = 0;
    for (let p = 0; p < parts.length; p++) total += parts[p]!.length;
    if (total === 0) return false;
    if (total <= MINHASH_MAX_CHARS) {
      for (let p = 0; p < parts.length; p++) if (parts[p]!.length) shinglePart(parts[p]!, 0, parts[p]!.length, sig);
    } else {
      // The first half of the budget from the start, the second half from the end.
      let head = MINHASH_MAX_CHARS / 2;
      for (let p = 0; p < parts.length && head > 0; p++) {
        const n = Math.min(parts[p]!.length, head);
        if (n) shinglePart(parts[p]!, 0, n, sig);
        head -= n;
      }
      let tail = MINHASH_MAX_CHARS / 2;
      for (let p = parts.length - 1; p >= 0 && tail > 0; p--) {
        const len = parts[p]!.length;
        const n = Math.min(len, tail);
        if (n) shinglePart(parts[p]!, len - n, n, sig);
        tail -= n;
      }
    }
    // Rotation densification: an empty bin copies the next filled bin to the right, plus C × distance.
    const C = 0x9e3779b1;
    for (let j = 0; j < MINHASH_BINS; j++) {
      if (sig[j] !== EMPTY) continue;
      let k = j;
      let d = 0;
      do {
        k = (k + 1) % MINHASH_BINS;
        d++;
      } while (sig[k] === EMPTY);
      this.dense[j] = (sig[k]! + Math.imul(C, d)) >>> 0;
    }
    for (let j = 0; j < MINHASH_BINS; j++)
      if (sig[j] === EMPTY) sig[j] = this.dense[j]! === EMPTY ? EMPTY - 1 : this.dense[j]!;
    return true;
  }
}

/** Band keys of a signature: one 32-bit hash per band (band index mixed in). */
export function bandKeys(sig: Uint32Array, out: Uint32Array): Uint32Array {
  for (let b = 0; b < LSH_BANDS; b++) {
    let h = Math.imul(b + 1, 0x9e3779b1);
    for (let r = 0; r < LSH_ROWS_PER_BAND; r++) h = Math.imul(h ^ sig[b * LSH_ROWS_PER_BAND + r]!, 0x01000193);
    out[b] = fmix32(h) || 1; // 0 marks an empty slot
  }
  return out;
}

/** Lowest 8 bits of each bin. */
export function fingerprint(sig: Uint32Array, out: Uint8Array, at = 0): void {
  for (let i = 0; i < MINHASH_BINS; i++) out[at + i] = sig[i]! & 0xff;
}

/** Estimated Jaccard similarity of two 8-bit fingerprints (b-bit minwise hashing). */
export function fingerprintSimilarity(a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
  let m = 0;
  // Four bins at a time: x has a zero byte where the bins agree; count zero bytes without a borrow between them.
  for (let i = 0; i < MINHASH_BINS; i += 4) {
    const x =
      (a[ai + i]! ^ b[bi + i]!) |
      ((a[ai + i + 1]! ^ b[bi + i + 1]!) << 8) |
      ((a[ai + i + 2]! ^ b[bi + i + 2]!) << 16) |
      ((a[ai + i + 3]! ^ b[bi + i + 3]!) << 24);
    let t = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f) >>> 7; // 1 in the low bit of each zero byte
    t = (t & 0x00ff00ff) + ((t >>> 8) & 0x00ff00ff);
    m += (t & 0xffff) + (t >>> 16);
  }
  const p = m / MINHASH_BINS;
  return Math.max(0, (p - 1 / 256) / (1 - 1 / 256));
}

/** One band's table: open addressing, band key → the first remembered row with it. */
class BandTable {
  keys: Uint32Array;
  rows: Int32Array;
  size = 0;
  constructor(capacity = 1024) {
    this.keys = new Uint32Array(capacity);
    this.rows = new Int32Array(capacity);
  }
  get(key: number): number {
    const mask = this.keys.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> 0;
    for (;;) {
      i &= mask;
      const k = this.keys[i]!;
      if (k === 0) return -1;
      if (k === key) return this.rows[i]!;
      i++;
    }
  }
  /** Remembers `row` under `key` unless the key is there already. */
  put(key: number, row: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> 0;
    for (;;) {
      i &= mask;
      const k = this.keys[i]!;
      if (k === key) return;
      if (k === 0) {
        this.keys[i] = key;
        this.rows[i] = row;
        this.size++;
        return;
      }
      i++;
    }
  }
  private grow(): void {
    const { keys, rows } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.rows = new Int32Array(keys.length * 2);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.put(keys[i]!, rows[i]!);
  }
}

export interface NearMatch {
  /** Index (0-based, among remembered rows) of the earlier row. */
  row: number;
  similarity: number;
}

/**
 * The LSH index: remembered rows' band keys and fingerprints. `query` finds the most similar remembered row at or
 * above the threshold; `remember` adds a row (up to `maxRows`).
 */
export class LshIndex {
  private readonly bands = Array.from({ length: LSH_BANDS }, () => new BandTable());
  private fps = new Uint8Array(1024 * MINHASH_BINS);
  /** Remembered rows' band keys, row-major (for the duplicate sketch). */
  private keys = new Uint32Array(1024 * LSH_BANDS);
  size = 0;
  full = false;

  constructor(readonly maxRows: number) {}

  private readonly seen = new Int32Array(LSH_BANDS);

  /** The first remembered row (in band order) whose similarity is at least `threshold`, or null. */
  query(keys: Uint32Array, fp: Uint8Array, threshold: number, fpAt = 0): NearMatch | null {
    let checked = 0;
    next: for (let b = 0; b < LSH_BANDS; b++) {
      const row = this.bands[b]!.get(keys[b]!);
      if (row < 0) continue;
      for (let i = 0; i < checked; i++) if (this.seen[i] === row) continue next;
      this.seen[checked++] = row;
      const s = fingerprintSimilarity(fp, fpAt, this.fps, row * MINHASH_BINS);
      if (s >= threshold) return { row, similarity: s };
    }
    return null;
  }

  /** Index of the remembered row, or -1 when the index is full. */
  remember(keys: Uint32Array, fp: Uint8Array, fpAt = 0): number {
    if (this.size >= this.maxRows) {
      this.full = true;
      return -1;
    }
    const row = this.size++;
    if ((row + 1) * MINHASH_BINS > this.fps.length) {
      const grown = new Uint8Array(Math.min(this.fps.length * 2, this.maxRows * MINHASH_BINS));
      grown.set(this.fps);
      this.fps = grown;
      const k = new Uint32Array(Math.min(this.keys.length * 2, this.maxRows * LSH_BANDS));
      k.set(this.keys);
      this.keys = k;
    }
    this.fps.set(fp.subarray(fpAt, fpAt + MINHASH_BINS), row * MINHASH_BINS);
    this.keys.set(keys, row * LSH_BANDS);
    for (let b = 0; b < LSH_BANDS; b++) this.bands[b]!.put(keys[b]!, row);
    return row;
  }

  /** The remembered rows' band keys and fingerprints (views, not copies). */
  sketch(): { keys: Uint32Array; fingerprints: Uint8Array } {
    return {
      keys: this.keys.subarray(0, this.size * LSH_BANDS),
      fingerprints: this.fps.subarray(0, this.size * MINHASH_BINS),
    };
  }
}
