import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";
import type { BlobInfo, BlobStorage } from "./storage";

/** Blobs as files under one directory. Writes go to a temp file renamed into place, so a blob is whole or absent. */
export class LocalStorage implements BlobStorage {
  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    const p = path.resolve(this.root, key);
    if (!p.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`storage key escapes the root: ${key}`);
    return p;
  }

  async put(key: string, body: Readable | AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    const dest = this.pathOf(key);
    await mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomBytes(6).toString("hex")}.partial`;
    try {
      await pipeline(body instanceof Readable ? body : Readable.from(body), createWriteStream(tmp));
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { key, bytes: (await stat(dest)).size };
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
        else if (!e.name.endsWith(".partial")) {
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
