/**
 * REST latency of the jobs list under load, through the Next.js production server of apps/web (as users reach it),
 * against the health route of the same server, measured in the same run.
 *
 *   npm run bench:api                                    # HEAD; 10,000 jobs, 50 connections, 3 rounds of 10 s
 *   npm run bench:api -- --ref HEAD --ref a80e953~1      # two commits side by side, interleaved, in one run
 *   npm run bench:api -- --jobs 2000 --duration 5 --connections 20 --rounds 2
 *   npm run bench:api -- --profile                       # + a CPU profile of each server (bench/.out/*.cpuprofile)
 *
 * Each --ref is built once (bench/web-server.ts: `next build` of a git-archive snapshot in .data/bench-web/<commit>)
 * and served with `next start` on 127.0.0.1. The benchmark creates a fresh PostgreSQL database whetstone_bench_<random>
 * (TEST_DATABASE_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres), applies the committed migrations,
 * seeds one team with N jobs (each with 1-2 dataset versions and a state event) and a real API key, and runs
 * autocannon (in a worker thread) against each server:
 *   health    GET /api/v1/health            no auth, no database
 *   jobs      GET /api/v1/jobs?limit=50     API key + team scope + keyset page of 50 with names
 * Rounds alternate the endpoints and the servers (health, jobs, health, jobs…), so every ratio compares figures
 * taken a few seconds apart; the table gives the median over rounds and the min–max of the per-round ratios.
 * The servers use Redis db 11 on 127.0.0.1:6379 (the API-key cache's tokens; the list does not enqueue).
 * Drops the database afterwards.
 */
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { DEFAULT_HYPERPARAMETERS } from "@whetstone/core";
import { createPrismaClient } from "@whetstone/db";
import { generateApiKey } from "../packages/api/src/api-keys/api-key-token";
import { buildWeb, repoRoot, startWeb, type WebServer } from "./web-server";

interface AutocannonResult {
  latency: { p50: number; p99: number; average: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
// autocannon ships CommonJS without types.
const autocannon = createRequire(import.meta.url)("autocannon") as (
  opts: Record<string, unknown>,
) => Promise<AutocannonResult>;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const JOBS = arg("jobs", 10_000);
const CONNECTIONS = arg("connections", 50);
const DURATION = arg("duration", 10);
const ROUNDS = arg("rounds", 3);
const REFS = process.argv.flatMap((a, i) => (a === "--ref" ? [process.argv[i + 1]!] : []));
const PROFILE = process.argv.includes("--profile");
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/11";

const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const urlFor = (db: string) => Object.assign(new URL(adminUrl), { pathname: `/${db}` }).toString();
async function admin(sql: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function seed(prisma: ReturnType<typeof createPrismaClient>) {
  const owner = await prisma.user.create({ data: { email: "bench@example.com", name: "Bench" } });
  const team = await prisma.team.create({
    data: { name: "Bench", slug: "bench", memberships: { create: { userId: owner.id, role: "owner" } } },
  });
  const model = await prisma.baseModel.create({
    data: { teamId: null, name: "Qwen2.5-0.5B", source: "huggingface", ref: "Qwen/Qwen2.5-0.5B" },
  });
  const versions = [];
  for (const name of ["support-chat", "contracts-qa", "case-law"]) {
    const d = await prisma.dataset.create({ data: { teamId: team.id, name } });
    versions.push(
      await prisma.datasetVersion.create({
        data: {
          datasetId: d.id,
          version: 1,
          blobKey: `datasets/${team.id}/${d.id}/v1.jsonl`,
          filename: `${name}.jsonl`,
          container: "jsonl",
          format: "chat",
          rowCount: 1000,
          bytes: 100_000n,
          sha256: "0".repeat(64),
          profile: {},
        },
      }),
    );
  }
  const states = ["succeeded", "succeeded", "succeeded", "failed", "cancelled", "running", "queued"] as const;
  const t0 = Date.now() - JOBS * 60_000;
  const BATCH = 1000;
  for (let start = 0; start < JOBS; start += BATCH) {
    const jobs = [];
    const links = [];
    const events = [];
    for (let i = start; i < Math.min(JOBS, start + BATCH); i++) {
      const id = `bench_job_${String(i).padStart(6, "0")}`;
      const state = states[i % states.length]!;
      jobs.push({
        id,
        teamId: team.id,
        createdById: owner.id,
        name: `job ${i}`,
        baseModelId: model.id,
        technique: "sft" as const,
        method: "lora" as const,
        hyperparameters: DEFAULT_HYPERPARAMETERS,
        validationSplit: 0.1,
        seed: 42,
        state,
        createdAt: new Date(t0 + i * 60_000),
        queuedAt: new Date(t0 + i * 60_000),
      });
      links.push({ jobId: id, datasetVersionId: versions[i % 3]!.id, weight: 1 });
      if (i % 2 === 0) links.push({ jobId: id, datasetVersionId: versions[(i + 1) % 3]!.id, weight: 2 });
      events.push({ jobId: id, kind: "state", message: state });
    }
    await prisma.fineTuneJob.createMany({ data: jobs });
    await prisma.jobDataset.createMany({ data: links });
    await prisma.jobEvent.createMany({ data: events });
  }
  const { key, prefix, hash } = generateApiKey();
  await prisma.apiKey.create({
    data: { teamId: team.id, createdById: owner.id, name: "bench", prefix, hash, role: "member" },
  });
  return key;
}

async function run(url: string, headers: Record<string, string>, duration = DURATION): Promise<AutocannonResult> {
  // The load generator runs in a worker thread, so it does not share this process's event loop.
  return autocannon({ url, connections: CONNECTIONS, duration, headers, workers: 1 });
}

// CPU-seconds of processes from /proc (utime + stime, and those of reaped children), so that a figure does not
// depend on how much of the machine other work took: the web server (next start and its descendants) and the
// PostgreSQL backends connected to the benchmark's database.
const TICK = 100; // USER_HZ on Linux
function procStat(pid: number): { ppid: number; cpu: number } | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
    // fields after the name: state ppid … utime(14) stime(15) cutime(16) cstime(17), here indexed from 3
    const cpu = [11, 12, 13, 14].reduce((n, i) => n + Number(rest[i]), 0) / TICK;
    return { ppid: Number(rest[1]), cpu };
  } catch {
    return null;
  }
}
function treePids(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st) parents.set(st.ppid, [...(parents.get(st.ppid) ?? []), Number(name)]);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(parents.get(out[i]!) ?? []));
  return out;
}
async function cpuSnapshot(serverPid: number, dbName: string): Promise<Map<string, number>> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  const backends = await c
    .query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [dbName])
    .finally(() => c.end());
  const snap = new Map<string, number>();
  for (const pid of treePids(serverPid)) snap.set(`web:${pid}`, procStat(pid)?.cpu ?? 0);
  for (const { pid } of backends.rows) snap.set(`pg:${pid}`, procStat(pid)?.cpu ?? 0);
  return snap;
}
/** CPU-seconds spent between two snapshots, by side (a process that appeared in between counts from zero). */
function cpuSpent(a: Map<string, number>, b: Map<string, number>) {
  const spent = { web: 0, pg: 0 };
  for (const [k, v] of b) spent[k.startsWith("web:") ? "web" : "pg"] += v - (a.get(k) ?? 0);
  return spent;
}

interface Measured extends AutocannonResult {
  /** CPU milliseconds per request: the web server's and PostgreSQL's. */
  webCpuMs: number;
  pgCpuMs: number;
}

async function measure(s: Served, path: string, headers: Record<string, string>, db: string): Promise<Measured> {
  const before = await cpuSnapshot(s.server.proc.pid!, db);
  const r = await run(`${s.server.base}${path}`, headers);
  const spent = cpuSpent(before, await cpuSnapshot(s.server.proc.pid!, db));
  return { ...r, webCpuMs: (1000 * spent.web) / r.requests.total, pgCpuMs: (1000 * spent.pg) / r.requests.total };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const fmt = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

interface Served {
  ref: string;
  server: WebServer;
  health: Measured[];
  jobs: Measured[];
}

async function main() {
  const refs = REFS.length ? REFS : ["HEAD"];
  const apps = refs.map((ref) => ({ ref, app: buildWeb(ref) }));
  const dbName = `whetstone_bench_${randomBytes(5).toString("hex")}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const dir = await mkdtemp(join(tmpdir(), "wst-bench-api-"));
  const prisma = createPrismaClient(urlFor(dbName));
  const served: Served[] = [];
  try {
    execFileSync("npx", ["prisma", "migrate", "deploy"], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: urlFor(dbName) },
      stdio: "pipe",
    });
    const seedStart = Date.now();
    const key = await seed(prisma);
    console.log(`seeded ${JOBS} jobs in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
    const profileDir = join(repoRoot, "bench/.out");
    if (PROFILE) mkdirSync(profileDir, { recursive: true });
    for (const { ref, app } of apps) {
      const nodeArgs = PROFILE
        ? [
            "--cpu-prof",
            `--cpu-prof-dir=${profileDir}`,
            `--cpu-prof-name=api-${ref.replace(/[^\w.-]/g, "_")}-${Date.now()}.cpuprofile`,
          ]
        : [];
      const env = { DATABASE_URL: urlFor(dbName), REDIS_URL, STORAGE_URL: `file://${dir}` };
      served.push({ ref, server: await startWeb(app, env, nodeArgs), health: [], jobs: [] });
    }
    const auth = { authorization: `Bearer ${key}` };
    for (const s of served) {
      // Sanity: the jobs endpoint answers 50 items with names. Then a short warm-up of both routes.
      const probe = await fetch(`${s.server.base}/jobs?limit=50`, { headers: auth });
      const body = (await probe.json()) as { items?: { baseModel: { name: string } }[] };
      if (probe.status !== 200 || body.items?.length !== 50) {
        throw new Error(`${s.ref}: unexpected jobs answer ${probe.status} ${JSON.stringify(body).slice(0, 300)}`);
      }
      await run(`${s.server.base}/health`, {}, 3);
      await run(`${s.server.base}/jobs?limit=50`, auth, 3);
    }

    const loadBefore = load();
    console.log(
      `autocannon: ${CONNECTIONS} connections, ${ROUNDS} rounds × ${DURATION} s per endpoint and server, ` +
        `node ${process.version}, load average at start ${loadBefore}`,
    );
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of served) {
        s.health.push(await measure(s, "/health", {}, dbName));
        s.jobs.push(await measure(s, "/jobs?limit=50", auth, dbName));
        const [h, j] = [s.health[r]!, s.jobs[r]!];
        console.log(
          `round ${r + 1} ${s.ref}: health ${fmt(h.requests.average)} req/s p99 ${h.latency.p99} ms; ` +
            `jobs ${fmt(j.requests.average)} req/s p99 ${j.latency.p99} ms; CPU ms/request web+pg: health ` +
            `${fmt(h.webCpuMs, 2)}+${fmt(h.pgCpuMs, 2)}, jobs ${fmt(j.webCpuMs, 2)}+${fmt(j.pgCpuMs, 2)}; load ${load()}`,
        );
      }
    }
    console.log(`load average at end ${load()}\n`);
    console.log(
      "| build | endpoint | p50 ms | p99 ms | req/s | web CPU ms/req | PostgreSQL CPU ms/req | non-2xx/errors |",
    );
    console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const s of served) {
      for (const [name, rs] of [
        ["GET /api/v1/health", s.health],
        ["GET /api/v1/jobs?limit=50", s.jobs],
      ] as const) {
        const bad = rs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
        console.log(
          `| ${s.ref} | ${name} | ${median(rs.map((r) => r.latency.p50))} | ${median(rs.map((r) => r.latency.p99))} | ` +
            `${fmt(median(rs.map((r) => r.requests.average)))} | ${fmt(median(rs.map((r) => r.webCpuMs)), 2)} | ` +
            `${fmt(median(rs.map((r) => r.pgCpuMs)), 2)} | ${bad} |`,
        );
      }
    }
    console.log("\n| build | jobs/health throughput | jobs/health p99 | health/jobs CPU per request (web+pg) |");
    console.log("| --- | ---: | ---: | ---: |");
    for (const s of served) {
      const tput = s.jobs.map((j, i) => (100 * j.requests.average) / s.health[i]!.requests.average);
      const p99 = s.jobs.map((j, i) => j.latency.p99 / Math.max(s.health[i]!.latency.p99, 1));
      const range = (xs: number[], f: (x: number) => string) =>
        `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
      const cpu = s.jobs.map(
        (j, i) => (100 * (s.health[i]!.webCpuMs + s.health[i]!.pgCpuMs)) / (j.webCpuMs + j.pgCpuMs),
      );
      console.log(
        `| ${s.ref} | ${range(tput, (x) => `${x.toFixed(1)}%`)} | ${range(p99, (x) => `×${x.toFixed(1)}`)} | ` +
          `${range(cpu, (x) => `${x.toFixed(1)}%`)} |`,
      );
    }
    if (served.some((s) => s.jobs.some((j) => j.non2xx + j.errors > 0))) process.exitCode = 1;
  } finally {
    for (const s of served) await s.server.stop();
    await prisma.$disconnect();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
