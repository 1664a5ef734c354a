/**
 * REST latency of the jobs list under load, against a trivial endpoint of the same server as the baseline.
 *
 *   npm run bench:api                          # 10,000 jobs, 50 connections, 10 s per endpoint
 *   npm run bench:api -- --jobs 2000 --duration 5 --connections 20
 *
 * Creates a fresh PostgreSQL database whetstone_bench_<random> (TEST_DATABASE_ADMIN_URL, default
 * postgresql://postgres@127.0.0.1:5432/postgres), applies the committed migrations, seeds one team with N jobs
 * (each with 1-2 dataset versions and a state event) and a real API key, serves the REST handler generated from
 * appRouter (trpc-to-openapi createOpenApiHttpHandler in a plain node:http server on 127.0.0.1) and runs autocannon:
 *   baseline  GET /api/v1/health            no auth, no database
 *   jobs      GET /api/v1/jobs?limit=50     API key check + team scope + keyset page of 50 with names
 * Needs Redis (127.0.0.1:6379) only because the API's deps hold a queue; the list does not touch it.
 * Drops the database afterwards.
 */
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { createOpenApiHttpHandler } from "trpc-to-openapi";
import { DEFAULT_HYPERPARAMETERS } from "@whetstone/core";
import { createPrismaClient } from "@whetstone/db";
import { LocalStorage } from "@whetstone/storage";
import { appRouter, createRequestContext, type ApiDeps } from "@whetstone/api";
import { generateApiKey } from "../packages/api/src/api-keys/api-key-token";

// The root package is CommonJS: no top-level await; autocannon ships no types.
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

const repoRoot = resolve(dirname(resolve(process.argv[1]!)), "..");
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const JOBS = arg("jobs", 10_000);
const CONNECTIONS = arg("connections", 50);
const DURATION = arg("duration", 10);

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

async function run(url: string, headers: Record<string, string>): Promise<AutocannonResult> {
  // The load generator runs in a worker thread, so it does not share the server's event loop.
  return autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers, workers: 1 });
}

async function main() {
  const dbName = `whetstone_bench_${randomBytes(5).toString("hex")}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const dir = await mkdtemp(join(tmpdir(), "wst-bench-api-"));
  const redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
  const queue = new Queue(`bench-training-${randomBytes(4).toString("hex")}`, {
    connection: redis,
    prefix: "wst-bench",
  });
  const prisma = createPrismaClient(urlFor(dbName));
  const server = createServer();
  try {
    execFileSync("npx", ["prisma", "migrate", "deploy"], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: urlFor(dbName) },
      stdio: "pipe",
    });
    const seedStart = Date.now();
    const key = await seed(prisma);
    console.log(`seeded ${JOBS} jobs in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

    const deps: ApiDeps = {
      prisma,
      redis,
      trainingQueue: queue,
      storage: new LocalStorage(dir),
      config: { maxUploadBytes: 1 << 30 },
    };
    const handler = createOpenApiHttpHandler({
      router: appRouter,
      createContext: ({ req }) => createRequestContext(deps, req),
    });
    server.on("request", (req, res) => {
      if (!req.url?.startsWith("/api/v1/")) {
        res.statusCode = 404;
        res.end();
        return;
      }
      req.url = req.url.slice("/api/v1".length);
      void handler(req, res);
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    const auth = { authorization: `Bearer ${key}` };

    // Sanity and warm-up: the jobs endpoint answers 50 items with names.
    const probe = await fetch(`${base}/jobs?limit=50`, { headers: auth });
    const body = (await probe.json()) as { items: { baseModel: { name: string }; datasets: unknown[] }[] };
    if (probe.status !== 200 || body.items.length !== 50) throw new Error(`unexpected jobs answer ${probe.status}`);
    await run(`${base}/health`, {})
      .then(() => run(`${base}/jobs?limit=50`, auth))
      .catch(() => undefined);

    console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION} s per endpoint, node ${process.version}`);
    const rows: [string, AutocannonResult][] = [
      ["baseline GET /api/v1/health", await run(`${base}/health`, {})],
      ["GET /api/v1/jobs?limit=50", await run(`${base}/jobs?limit=50`, auth)],
    ];
    console.log("| endpoint | p50 ms | p99 ms | req/s | non-2xx/errors |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const [name, r] of rows) {
      console.log(
        `| ${name} | ${r.latency.p50} | ${r.latency.p99} | ${r.requests.average.toFixed(0)} | ${r.non2xx + r.errors + r.timeouts} |`,
      );
    }
    const [b, j] = [rows[0]![1], rows[1]![1]];
    console.log(
      `ratio jobs/baseline: p50 ×${(j.latency.p50 / Math.max(b.latency.p50, 1)).toFixed(1)}, ` +
        `p99 ×${(j.latency.p99 / Math.max(b.latency.p99, 1)).toFixed(1)}, throughput ${((j.requests.average / b.requests.average) * 100).toFixed(1)}% of baseline`,
    );
    if (j.non2xx + j.errors > 0) process.exitCode = 1;
  } finally {
    server.close();
    await prisma.$disconnect();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    redis.disconnect();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
