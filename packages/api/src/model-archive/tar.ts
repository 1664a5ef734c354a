/**
 * A minimal POSIX ustar writer for the model archive. Hand-written rather than taken from npm (tar-stream, tar)
 * because the archive must be BYTE-IDENTICAL every time it is built from the same files: its sha256 is computed once
 * and served on every later download, and its exact Content-Length is announced before the first byte. Fixed
 * headers (mode 0644/0755, uid/gid 0, no user names, one mtime, entries in a given order) make that true, and the
 * size of a ustar archive is known in advance: 512 bytes of header per entry, the data padded to 512, two zero
 * blocks at the end. Sizes past ustar's 8 GiB use the base-256 form that GNU tar and Python's tarfile read.
 */

export const BLOCK = 512;

export interface TarEntry {
  /** Path inside the archive (`folder/file`); a directory ends with `/`. */
  name: string;
  size: number;
}

const enc = new TextEncoder();

function writeString(buf: Uint8Array, offset: number, length: number, s: string): void {
  const b = enc.encode(s);
  if (b.length > length) throw new Error(`tar: "${s}" does not fit in ${length} bytes`);
  buf.set(b, offset);
}

function writeOctal(buf: Uint8Array, offset: number, length: number, n: number): void {
  const s = n.toString(8).padStart(length - 1, "0");
  if (s.length > length - 1) {
    // base-256: the high bit of the first byte set, the number big-endian in the rest
    buf[offset] = 0x80;
    let v = BigInt(n);
    for (let i = offset + length - 1; i > offset; i--) {
      buf[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return;
  }
  writeString(buf, offset, length - 1, s);
}

/** The 512-byte ustar header of `entry` (a regular file, or a directory when the name ends with `/`). */
export function tarHeader(entry: TarEntry, mtimeSeconds: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const dir = entry.name.endsWith("/");
  let name = entry.name;
  let prefix = "";
  if (enc.encode(name).length > 100) {
    const cut = name.lastIndexOf("/", name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, dir ? 0o755 : 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, dir ? 0 : entry.size);
  writeOctal(h, 136, 12, Math.max(0, Math.floor(mtimeSeconds)));
  h.fill(0x20, 148, 156); // checksum counted as spaces
  h[156] = dir ? 0x35 : 0x30; // '5' directory, '0' file
  writeString(h, 257, 6, "ustar");
  writeString(h, 263, 2, "00");
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, 148, 7, sum.toString(8).padStart(6, "0"));
  h[155] = 0x20;
  return h;
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The archive's exact size in bytes. */
export function tarSize(entries: TarEntry[]): number {
  let n = 2 * BLOCK;
  for (const e of entries) n += BLOCK + (e.name.endsWith("/") ? 0 : Math.ceil(e.size / BLOCK) * BLOCK);
  return n;
}

export const TAR_END = new Uint8Array(2 * BLOCK);
