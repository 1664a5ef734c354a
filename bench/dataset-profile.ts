/**
 * Dataset ingestion throughput: a generated chat JSONL file (1 GiB by default, mixed lengths) read through
 *   baseline-split  read + UTF-8 decode + split into lines (the floor any line parser pays)
 *   baseline-json   the same + JSON.parse of every line (no validation, no profile)
 *   parse+profile   packages/core DatasetParser: fatal UTF-8, format detection, validation, profile
 *   parse+profile+readiness  the same + the readiness checks on the same pass (near duplicates, personal data,
 *                   labels, lengths…): what an upload runs
 *   ingestDataset   the full upload path: size limit, sha256, LocalStorage write, parse+profile+readiness,
 *                   duplicate sketch, DB rows
 * Each phase runs in its own child process so its peak RSS (VmHWM) is its own. Prints MB/s, rows/s, peak RSS
 * and the throughput ratio against baseline-split.
 *
 *   npm run bench:datasets                       # 1024 MiB
 *   npm run bench:datasets -- --mb 256           # a smaller file
 *
 * The ingestDataset phase needs PostgreSQL (TEST_DATABASE_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres):
 * it creates a fresh database whetstone_bench_<random>, applies the committed migrations and drops it afterwards.
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { DatasetParser } from "@whetstone/core";

// The root package is CommonJS (no "type": "module"), so no top-level await nor import.meta here.
const self = resolve(process.argv[1]!);
const repoRoot = resolve(dirname(self), "..");
const CHUNK = 64 * 1024;

interface PhaseResult {
  phase: string;
  bytes: number;
  rows: number;
  seconds: number;
  rssStart: number;
  peakRss: number;
  note?: string;
}

const vmHwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) * 1024;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// ─── the file ────────────────────────────────────────────────────────────────

/** Writes `mb` MiB of chat JSONL: 1–4 turns, an optional system prompt, contents of 5…4000 characters (mostly short). */
async function generate(path: string, mb: number): Promise<{ bytes: number; rows: number }> {
  const words = (
    "the court held that the lessee shall remit payment within thirty days of notice and the patient presented with " +
    "acute chest pain radiating to the left arm revenue grew eight percent year over year while margins contracted"
  ).split(" ");
  let seed = 1;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pool = Array.from({ length: 1024 }, () => {
    const n = 5 + Math.floor(rand() ** 4 * 4000); // mostly short, a long tail
    let s = "";
    while (s.length < n) s += `${words[Math.floor(rand() * words.length)]} `;
    return s.slice(0, n);
  });
  const out = createWriteStream(path);
  const target = mb * 1024 * 1024;
  let bytes = 0;
  let rows = 0;
  while (bytes < target) {
    let chunk = "";
    while (chunk.length < 256 * 1024) {
      const messages: { role: string; content: string }[] = [];
      if (rows % 3 === 0) messages.push({ role: "system", content: "You are a careful domain assistant." });
      const turns = 1 + (rows % 4);
      for (let t = 0; t < turns; t++) {
        messages.push({ role: "user", content: `${rows}.${t} ${pool[(rows * 31 + t) % 1021]}` });
        messages.push({ role: "assistant", content: pool[(rows * 17 + t * 5) % 1024]! });
      }
      chunk += `${JSON.stringify({ messages })}\n`;
      rows++;
    }
    const buf = Buffer.from(chunk);
    bytes += buf.length;
    if (!out.write(buf)) await new Promise((r) => out.once("drain", r));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { bytes, rows };
}

// ─── phases (run in a child process) ─────────────────────────────────────────

async function baselineSplit(file: string, json: boolean): Promise<number> {
  const decoder = new TextDecoder("utf-8");
  let rest = "";
  let rows = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) {
    const lines = (rest + decoder.decode(chunk as Buffer, { stream: true })).split("\n");
    rest = lines.pop()!;
    for (const l of lines) {
      if (l.length === 0) continue;
      if (json) JSON.parse(l);
      rows++;
    }
  }
  if (rest) rows++;
  return rows;
}

async function parseProfile(file: string, readiness: boolean): Promise<number> {
  const parser = new DatasetParser({ filename: "bench.jsonl", ...(readiness ? {} : { readiness: false as const }) });
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) parser.push(chunk as Buffer);
  return parser.end().rows;
}

/** Imports, connects and seeds a team outside the timed part; returns the timed ingestion. */
async function prepareIngest(file: string, dbUrl: string, storageDir: string): Promise<() => Promise<number>> {
  const { ingestDataset } = await import("../packages/api/src/datasets/ingest-dataset");
  const { createPrismaClient } = await import("@whetstone/db");
  const { LocalStorage } = await import("@whetstone/storage");
  const prisma = createPrismaClient(dbUrl);
  const user = await prisma.user.create({ data: { email: `bench-${randomBytes(4).toString("hex")}@example.com` } });
  const team = await prisma.team.create({ data: { name: "bench", slug: `bench-${randomBytes(4).toString("hex")}` } });
  const deps = { prisma, storage: new LocalStorage(storageDir), config: { maxUploadBytes: 64 * 1024 ** 3 } };
  const base = { teamId: team.id, userId: user.id, datasetName: "bench", filename: "bench.jsonl" };
  // warm-up upload: first-transaction costs of the client are not the ingestion's
  await ingestDataset(deps, {
    ...base,
    body: [Buffer.from('{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}\n')],
  });
  return async () => {
    try {
      const v = await ingestDataset(deps, { ...base, body: createReadStream(file, { highWaterMark: CHUNK }) });
      return v.rowCount;
    } finally {
      await prisma.$disconnect();
    }
  };
}

async function runPhase(phase: string, file: string): Promise<void> {
  const run =
    phase === "baseline-split"
      ? () => baselineSplit(file, false)
      : phase === "baseline-json"
        ? () => baselineSplit(file, true)
        : phase === "parse+profile"
          ? () => parseProfile(file, false)
          : phase === "parse+profile+readiness"
            ? () => parseProfile(file, true)
            : phase === "ingestDataset"
              ? await prepareIngest(file, arg("db")!, arg("storage")!)
              : null;
  if (!run) throw new Error(`unknown phase ${phase}`);
  const rssStart = process.memoryUsage().rss;
  const t0 = performance.now();
  const rows = await run();
  const seconds = (performance.now() - t0) / 1000;
  const result: PhaseResult = { phase, bytes: (await stat(file)).size, rows, seconds, rssStart, peakRss: vmHwm() };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

// ─── orchestration ───────────────────────────────────────────────────────────

async function child(args: string[]): Promise<PhaseResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", self, ...args], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`phase ${args[1]} printed no result:\n${stdout}`);
  return JSON.parse(line.slice(7)) as PhaseResult;
}

async function withBenchDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const pg = (await import("pg")).default;
  const admin = process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const name = `whetstone_bench_${randomBytes(4).toString("hex")}`;
  const q = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await q(`CREATE DATABASE ${name}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  try {
    execFileSync("npx", ["prisma", "migrate", "deploy"], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: u.toString() },
      stdio: "pipe",
    });
    return await fn(u.toString());
  } finally {
    await q(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function main(): Promise<void> {
  const phase = arg("phase");
  if (phase) return runPhase(phase, arg("file")!);

  const mb = Number(arg("mb") ?? 1024);
  const dir = await mkdtemp(join(tmpdir(), "wst-bench-datasets-"));
  try {
    const file = join(dir, "chat.jsonl");
    let t0 = performance.now();
    const gen = await generate(file, mb);
    console.log(
      `generated ${(gen.bytes / 2 ** 20).toFixed(0)} MiB, ${gen.rows} chat rows in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${file}`,
    );

    const results: PhaseResult[] = [];
    for (const p of ["baseline-split", "baseline-json", "parse+profile", "parse+profile+readiness"]) {
      results.push(await child(["--phase", p, "--file", file]));
      console.log(`  ${p} done`);
    }
    try {
      t0 = performance.now();
      results.push(
        await withBenchDatabase((url) =>
          child(["--phase", "ingestDataset", "--file", file, "--db", url, "--storage", join(dir, "blobs")]),
        ),
      );
      console.log(
        `  ingestDataset done (with a fresh database, ${((performance.now() - t0) / 1000).toFixed(1)} s in all)`,
      );
    } catch (e) {
      console.log(`  ingestDataset skipped: ${(e as Error).message.split("\n")[0]}`);
    }

    for (const r of results) {
      if (r.rows !== gen.rows) throw new Error(`${r.phase} counted ${r.rows} rows, expected ${gen.rows}`);
    }
    const base = results[0]!;
    const mbps = (r: PhaseResult) => r.bytes / 2 ** 20 / r.seconds;
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
    console.log(`\nDataset profiling — ${mib(gen.bytes)} chat JSONL, ${gen.rows} rows, Node ${process.version}\n`);
    console.log("| phase | seconds | MiB/s | rows/s | peak RSS | RSS at start | throughput vs baseline-split |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of results) {
      console.log(
        `| ${r.phase} | ${r.seconds.toFixed(1)} | ${mbps(r).toFixed(0)} | ${Math.round(r.rows / r.seconds).toLocaleString("en-US")} | ` +
          `${mib(r.peakRss)} | ${mib(r.rssStart)} | ${(mbps(r) / mbps(base)).toFixed(2)}× |`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
