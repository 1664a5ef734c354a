import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalStorage, StorageError } from "../src";

let root: string;
let storage: LocalStorage;
const body = (s: string) => Readable.from([Buffer.from(s)]);
const read = async (r: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
};
async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true, recursive: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "wst-storage-"));
  storage = new LocalStorage(join(root, "blobs"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("LocalStorage", () => {
  it("writes, stats, reads and overwrites a blob", async () => {
    expect(await storage.put("a/b/c.txt", body("hello"))).toEqual({ key: "a/b/c.txt", bytes: 5 });
    expect(await storage.stat("a/b/c.txt")).toEqual({ key: "a/b/c.txt", bytes: 5 });
    expect(await read(await storage.get("a/b/c.txt"))).toBe("hello");
    await storage.put("a/b/c.txt", body("bye"));
    expect(await read(await storage.get("a/b/c.txt"))).toBe("bye");
    expect(await storage.stat("missing")).toBeNull();
    await expect(storage.get("missing")).rejects.toThrow(/ENOENT/);
  });

  it("put is atomic: a stream that fails half way leaves no file, and keeps the previous blob", async () => {
    async function* failing() {
      yield Buffer.from("partial data ".repeat(10_000));
      throw new Error("connection reset");
    }
    await expect(storage.put("x/new.bin", failing())).rejects.toThrow("connection reset");
    expect(await storage.stat("x/new.bin")).toBeNull();
    expect(await allFiles(root)).toEqual([]);

    await storage.put("x/kept.bin", body("v1"));
    await expect(storage.put("x/kept.bin", failing())).rejects.toThrow("connection reset");
    expect(await read(await storage.get("x/kept.bin"))).toBe("v1");
    expect((await allFiles(root)).map((f) => f.slice(root.length))).toEqual(["/blobs/x/kept.bin"]);
  });

  it("does not list a blob while it is being written", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield Buffer.from("first half");
      await gate;
      yield Buffer.from(", second half");
    }
    const writing = storage.put("slow/file.txt", slow());
    await new Promise((r) => setTimeout(r, 50));
    expect(await storage.list("slow/")).toEqual([]);
    expect(await storage.stat("slow/file.txt")).toBeNull();
    release();
    await writing;
    expect(await storage.list("slow/")).toEqual([{ key: "slow/file.txt", bytes: 23 }]);
  });

  it("refuses keys that escape the root", async () => {
    await writeFile(join(root, "secret.txt"), "outside");
    for (const key of ["../secret.txt", "a/../../secret.txt", "/etc/passwd", "", "."]) {
      await expect(storage.put(key, body("x"))).rejects.toThrow(/escapes the root/);
      await expect(storage.get(key)).rejects.toThrow(/escapes the root/);
      await expect(storage.delete(key)).rejects.toThrow(/escapes the root/);
      expect(await storage.stat(key)).toBeNull();
    }
    await expect(storage.list("../")).rejects.toThrow(/escapes the root/);
    expect(await readFile(join(root, "secret.txt"), "utf8")).toBe("outside");
  });

  it("lists by prefix, sorted, including partial name prefixes", async () => {
    for (const k of [
      "datasets/t1/u1/a.jsonl",
      "datasets/t1/u2/b.csv",
      "datasets/t2/u3/c.jsonl",
      "jobs/j1/adapter.safetensors",
    ])
      await storage.put(k, body(k));
    expect((await storage.list("datasets/")).map((b) => b.key)).toEqual([
      "datasets/t1/u1/a.jsonl",
      "datasets/t1/u2/b.csv",
      "datasets/t2/u3/c.jsonl",
    ]);
    expect((await storage.list("datasets/t1/")).map((b) => b.key)).toEqual([
      "datasets/t1/u1/a.jsonl",
      "datasets/t1/u2/b.csv",
    ]);
    expect((await storage.list("datasets/t1/u2")).map((b) => b.key)).toEqual(["datasets/t1/u2/b.csv"]);
    expect((await storage.list("")).length).toBe(4);
    expect(await storage.list("nothing/here/")).toEqual([]);
    expect((await storage.list("jobs/j1/"))[0]).toEqual({
      key: "jobs/j1/adapter.safetensors",
      bytes: "jobs/j1/adapter.safetensors".length,
    });
  });

  it("deletes one blob or a whole prefix, and a missing key quietly", async () => {
    for (const k of ["datasets/t1/u1/a.jsonl", "datasets/t1/u1/b.jsonl", "datasets/t1/u2/c.jsonl"])
      await storage.put(k, body(k));
    await storage.delete("datasets/t1/u1/a.jsonl");
    expect((await storage.list("datasets/")).map((b) => b.key)).toEqual([
      "datasets/t1/u1/b.jsonl",
      "datasets/t1/u2/c.jsonl",
    ]);
    await storage.delete("datasets/t1/u1/");
    expect((await storage.list("datasets/")).map((b) => b.key)).toEqual(["datasets/t1/u2/c.jsonl"]);
    await expect(readdir(join(root, "blobs/datasets/t1"))).resolves.toEqual(["u2"]);
    await storage.delete("datasets/t1/never-existed/");
    await storage.delete("datasets/t1/u2/c.jsonl");
    expect(await storage.list("")).toEqual([]);
  });

  it("fails a write the disk refuses with a StorageError, leaving nothing behind", async () => {
    // `datasets` is a file, so the blob's folder cannot be made: the storage failed, not the data.
    await storage.put("keep.txt", body("x"));
    await writeFile(join(root, "blobs/datasets"), "in the way");
    const err = await storage.put("datasets/t/u/a.jsonl", body("rows")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).message).toMatch(/^could not write datasets\/t\/u\/a.jsonl to storage: /);
    expect((await allFiles(root)).map((f) => f.slice(root.length))).toEqual(["/blobs/datasets", "/blobs/keep.txt"]);

    // An error of the data itself (a bad line, a client gone) is passed on as it is, and removes the temp file too.
    async function* failing() {
      yield Buffer.from("half a ");
      throw new Error("client disconnected");
    }
    await expect(storage.put("other/a.jsonl", failing())).rejects.toThrow(/^client disconnected$/);
    expect(await storage.list("other/")).toEqual([]);
    expect((await allFiles(root)).some((f) => f.endsWith(".partial"))).toBe(false);
    // …at once, every time: the temp file is not created after the clean-up (a write stream opens it asynchronously;
    // up to 27 of 300 such failures still showed one after the rejection here: the once-flaky check above).
    for (let i = 0; i < 100; i++) {
      await storage.put(`other/b${i}.jsonl`, failing()).catch(() => undefined);
      expect((await allFiles(root)).filter((f) => f.endsWith(".partial"))).toEqual([]);
    }
  });

  it("removes what killed writes left behind once stale, never a write in progress", async () => {
    await storage.put("datasets/t/u/a.jsonl", body("done"));
    const dir = join(root, "blobs/datasets/t/u");
    await writeFile(join(dir, "b.jsonl.0a1b2c.partial"), "killed mid-write");
    await writeFile(join(dir, "c.bin.part"), "a runner's older temp file");
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const f of ["b.jsonl.0a1b2c.partial", "c.bin.part"]) await utimes(join(dir, f), old, old);
    await writeFile(join(dir, "d.jsonl.3d4e5f.partial"), "still being written");
    expect(await storage.list("datasets/")).toEqual([{ key: "datasets/t/u/a.jsonl", bytes: 4 }]);

    const removed = await storage.removeUnfinished(new Date(Date.now() - 3600_000));
    expect(removed).toEqual(["datasets/t/u/b.jsonl.0a1b2c.partial", "datasets/t/u/c.bin.part"]);
    expect((await readdir(dir)).sort()).toEqual(["a.jsonl", "d.jsonl.3d4e5f.partial"]);
  });
});
