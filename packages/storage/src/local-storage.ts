import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";
import { StorageError, type BlobInfo, type BlobStorage } from "./storage";

/** Suffix of a file being written (the runner's older uploads used `.part`). */
const PARTIAL = ".partial";
const isPartial = (name: string) => name.endsWith(PARTIAL) || name.endsWith(".part");

/** Blobs as files under one directory. Writes go to a temp file renamed into place, so a blob is whole or absent. */
export class LocalStorage implements BlobStorage {
  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    const p = path.resolve(this.root, key);
    if (!p.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`storage key escapes the root: ${key}`);
    return p;
  }

  /**
   * Streams `body` to a `.partial` file beside the blob, then renames it into place: a reader sees the blob whole or
   * not at all. On failure the temp file is removed; a failure of the disk (full, read-only…) is a StorageError, an
   * error of `body` itself is passed on as it is. A process killed mid-write leaves the `.partial`, which `list` never
   * shows and `removeUnfinished` removes once stale.
   */
  async put(key: string, body: Readable | AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    const dest = this.pathOf(key);
    const tmp = `${dest}.${randomBytes(6).toString("hex")}${PARTIAL}`;
    let sourceFailed = false;
    const source = async function* () {
      try {
        yield* body as AsyncIterable<Uint8Array>;
      } catch (err) {
        sourceFailed = true;
        throw err;
      }
    };
    try {
      await mkdir(path.dirname(dest), { recursive: true });
      // The temp file is opened before any byte is piped: a write stream opens its path asynchronously, so a source
      // that failed at once could have the file created after the clean-up below removed nothing.
      const file = await open(tmp, "wx");
      try {
        await pipeline(Readable.from(source()), file.createWriteStream());
      } finally {
        await file.close().catch(() => undefined);
      }
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      if (sourceFailed) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new StorageError(`could not write ${key} to storage: ${(err as Error).message}`, code, { cause: err });
    }
    return { key, bytes: (await stat(dest)).size };
  }

  async removeUnfinished(olderThan: Date): Promise<string[]> {
    const removed: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (isPartial(e.name)) {
          const info = await stat(full).catch(() => null);
          if (!info || info.mtime >= olderThan) continue; // still being written, or already gone
          await rm(full, { force: true });
          removed.push(path.relative(this.root, full).split(path.sep).join("/"));
        }
      }
    };
    await walk(path.resolve(this.root));
    return removed.sort();
  }

  async get(key: string): Promise<Readable> {
    const p = this.pathOf(key);
    await stat(p); // fail now with ENOENT rather than on first read
    return createReadStream(p);
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      return { key, bytes: (await stat(this.pathOf(key))).size };
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true, recursive: true });
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!isPartial(e.name)) {
          const key = path.relative(this.root, full).split(path.sep).join("/");
          if (key.startsWith(prefix)) out.push({ key, bytes: (await stat(full)).size });
        }
      }
    };
    const start = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    // A prefix like "../" must not walk outside the root.
    const dir = start ? this.pathOf(start) : path.resolve(this.root);
    await walk(dir);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }
}
