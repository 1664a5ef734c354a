/**
 * The chaos suite (issue 13, "Faults and load"): `npm run chaos`. Not part of `npm test` (it takes several minutes).
 *
 * It starts the real pieces — a redis-server of its own on a free port, a fresh PostgreSQL database, the worker
 * (apps/worker) as a child process, two Python runners training the tiny model, the API in this process — and then,
 * one after the other:
 *
 *   1. kills the runner holding a job with SIGKILL mid-run;
 *   2. wipes Redis (FLUSHALL) mid-run;
 *   3. stops Redis for 20 s mid-run and brings it back (empty), calling the API meanwhile;
 *   4. kills the worker mid-stream and brings it back after 2.5 × the runners' offline threshold;
 *   5. creates twenty jobs and cancels each at a random moment;
 *   6. damages the newest checkpoint of a job and kills its runner, so the other resumes from it;
 *   7. leaves what a killed web app leaves (a partial upload, a blob without its dataset version).
 *
 * After each, every job must reach a final state by itself within FINAL_WITHIN_S; at the end: no metric point lost
 * or duplicated, no job run twice, no dataset version or blob half-written, no BullMQ job left for a finished row,
 * and every API call answered (a success or a clear 4xx/503) in time — never a 500 or a hang. It prints the recovery
 * times (BENCHMARKS.md keeps a run's) and exits non-zero when a check fails.
 *
 *   npm run chaos                 # the whole suite, ~8 minutes on 2 cores
 *   npm run chaos -- 1 4          # only scenarios 1 and 4
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { ingestDataset } from "@whetstone/api";
import { createTestDatabase, prepareTemplateDatabase } from "@whetstone/db/testing";
import { TRAINING_QUEUE } from "@whetstone/queue";
import { buildTinyModel, requireRunnerVenv, type RunnerProcess } from "../../apps/worker/test/runner-processes";
import { ApiClient, freePort, GiveUp, OwnRedis, sleep, startChaosRunner, waitUntil, WorkerProcess } from "./stack";

/** Every job must reach a final state by itself within this long after its fault. */
const FINAL_WITHIN_S = 240;
/** Runners heartbeat every second; the worker calls one silent after six (the production ratio: 5 s and 30 s). */
const RUNNER_OFFLINE_AFTER_MS = 6_000;
const STEPS = 200;

const only = new Set(process.argv.slice(2).map(Number).filter(Boolean));
const wanted = (n: number) => only.size === 0 || only.has(n);

interface Recovery {
  scenario: string;
  /** Named durations in seconds, e.g. "fault → running again". */
  times: Record<string, number>;
  jobs: string[];
  expect: Record<string, string[]>;
  /** Jobs that must have run once, straight through: created → running → succeeded, never put back in the queue. */
  straight?: string[];
}

const log = (msg: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const secs = (ms: number) => Math.round(ms / 100) / 10;

function chatDataset(rows: number): string {
  const topics = { refund: "money back", shipping: "tracking number", account: "password" };
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const [topic, words] = Object.entries(topics)[i % 3]!;
    lines.push(
      JSON.stringify({
        messages: [
          { role: "system", content: "You are a support agent." },
          { role: "user", content: `Ticket ${i}: a question about my ${words}, please help.` },
          { role: "assistant", content: `This is a ${topic} question. The ${topic} team will answer within one day.` },
        ],
      }),
    );
  }
  return lines.join("\n") + "\n";
}

async function main(): Promise<number> {
  requireRunnerVenv();
  const dir = await mkdtemp(join(tmpdir(), "whetstone-chaos-"));
  const storageRoot = join(dir, "storage");
  const modelDir = join(dir, "tiny-llama");
  await mkdir(storageRoot, { recursive: true });
  log(`working in ${dir}`);

  const redis = new OwnRedis(await freePort());
  await redis.start();
  const dropTemplate = await prepareTemplateDatabase();
  const db = await createTestDatabase();
  await buildTinyModel(modelDir);
  log(`redis-server on ${redis.port}, database ${new URL(db.url).pathname.slice(1)}, tiny model built`);

  const worker = new WorkerProcess(
    {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      STORAGE_URL: `file://${storageRoot}`,
      WORKER_NAME: "chaos-worker",
      LOG_LEVEL: "info",
      EVENTS_BLOCK_MS: "200",
      HEARTBEAT_SECONDS: "1",
      RECONCILE_INTERVAL_MS: "1000",
      RUNNER_OFFLINE_AFTER_MS: String(RUNNER_OFFLINE_AFTER_MS),
      REQUEUE_GRACE_MS: "15000",
      STORAGE_SWEEP_INTERVAL_MS: "3000",
      STORAGE_SWEEP_AFTER_MS: "10000",
    },
    join(dir, "worker.log"),
  );
  worker.start();
  const runners = new Map<string, RunnerProcess>();
  const startRunnerNamed = (name: string) => runners.set(name, startChaosRunner(name, redis.url, storageRoot, dir));
  startRunnerNamed("chaos-a");
  startRunnerNamed("chaos-b");

  const stopEverything = async () => {
    for (const r of runners.values()) r.killGroup();
    await worker.kill();
    await redis.stop();
    await db.drop().catch(() => undefined);
    await dropTemplate().catch(() => undefined);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.once(sig, () => void stopEverything().finally(() => process.exit(130)));

  const api = new ApiClient(db.url, redis.url, storageRoot);
  const prisma = api.prisma;
  const failures: string[] = [];
  const recoveries: Recovery[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
    log(`${ok ? "ok  " : "FAIL"} ${what}`);
  };

  try {
    // ── the team, the base model, the dataset (uploaded through the real ingest) ──
    const user = await prisma.user.create({ data: { email: "chaos@example.com", name: "Chaos", isAdmin: true } });
    const team = await prisma.team.create({
      data: { slug: "chaos", name: "Chaos", memberships: { create: { userId: user.id, role: "owner" } } },
    });
    const baseModel = await prisma.baseModel.create({
      data: { name: "tiny-llama", source: "local", ref: modelDir, parameterCount: 100_000n, contextLength: 256 },
    });
    const dataset = await ingestDataset(api.deps, {
      teamId: team.id,
      userId: user.id,
      datasetName: "support-tickets",
      filename: "tickets.jsonl",
      body: Readable.from([Buffer.from(chatDataset(96))]),
    });
    const client = api.as(user.id, team.slug);

    const createJob = async (name: string, steps = STEPS): Promise<string | undefined> => {
      const job = await api.call("jobs.create", () =>
        client.jobs.create({
          name,
          baseModelId: baseModel.id,
          technique: "sft",
          method: "lora",
          datasets: [{ datasetVersionId: dataset.id, weight: 1 }],
          hyperparameters: {
            epochs: 100,
            learningRate: 0.002,
            batchSize: 4,
            maxSeqLength: 64,
            warmupRatio: 0,
            evalEverySteps: 50,
            earlyStoppingPatience: 0,
            checkpointEverySteps: 10,
            logEverySteps: 1,
            maxSteps: steps,
            testSplit: 0,
            packing: false,
          },
          readinessOverride: { reason: "chaos suite: a small synthetic dataset" },
        }),
      );
      return job?.id;
    };
    const row = (id: string) => prisma.fineTuneJob.findUniqueOrThrow({ where: { id } });
    const isFinal = (s: string) => s === "succeeded" || s === "failed" || s === "cancelled";
    const running = (id: string, minStep = 1) =>
      waitUntil(
        `job ${id} running past step ${minStep}`,
        async () => {
          const r = await row(id);
          if (isFinal(r.state)) throw new GiveUp(`job ${r.name} ended ${r.state} before its fault: ${r.error ?? ""}`);
          return r.state === "running" && r.currentStep >= minStep ? r : null;
        },
        FINAL_WITHIN_S * 1000,
      );
    const finalState = (id: string, since: number) =>
      waitUntil(
        `job ${id} to reach a final state within ${FINAL_WITHIN_S} s`,
        async () => {
          const r = await row(id);
          return isFinal(r.state) ? r : null;
        },
        FINAL_WITHIN_S * 1000 - (Date.now() - since),
      );
    const newestCheckpoint = (id: string) =>
      prisma.checkpoint.findFirst({ where: { jobId: id }, orderBy: { step: "desc" } });
    const holder = async (id: string) => runners.get((await row(id)).runnerName ?? "");

    await waitUntil(
      "both runners' heartbeats",
      async () => (await prisma.runner.count({ where: { state: { in: ["idle", "busy"] } } })) === 2,
      300_000,
    );
    log("the stack is up");

    // ── 1. a runner killed with SIGKILL mid-run ──
    if (wanted(1)) {
      const id = (await createJob("sigkill"))!;
      await running(id, 15);
      await waitUntil("a checkpoint", () => newestCheckpoint(id), 60_000);
      const victim = (await holder(id))!;
      victim.killGroup();
      const t0 = Date.now();
      log(`1: killed ${victim.name} holding ${id}`);
      const again = await waitUntil(
        "the job running on the other runner",
        async () => {
          const r = await row(id);
          return r.state === "running" && r.runnerName !== victim.name ? r : null;
        },
        FINAL_WITHIN_S * 1000,
      );
      const tAgain = Date.now();
      const done = await finalState(id, t0);
      recoveries.push({
        scenario: "1. runner SIGKILL mid-run",
        times: { "kill → running on the other runner": secs(tAgain - t0), "kill → final": secs(Date.now() - t0) },
        jobs: [id],
        expect: { [id]: ["succeeded"] },
      });
      log(`1: ${done.state} on ${again.runnerName}`);
      startRunnerNamed(victim.name);
    }

    // ── 2. Redis wiped (FLUSHALL) mid-run ──
    if (wanted(2)) {
      const id = (await createJob("flushall"))!;
      const before = await running(id, 15);
      await redis.flushall();
      const t0 = Date.now();
      log(`2: FLUSHALL at step ${before.currentStep}`);
      await waitUntil(
        "progress after the flush",
        async () => (await row(id)).currentStep > before.currentStep + 5,
        120_000,
      );
      const tProgress = Date.now();
      await finalState(id, t0);
      recoveries.push({
        scenario: "2. Redis FLUSHALL mid-run",
        times: { "flush → progress recorded again": secs(tProgress - t0), "flush → final": secs(Date.now() - t0) },
        jobs: [id],
        expect: { [id]: ["succeeded"] },
        straight: [id],
      });
    }

    // ── 3. Redis stopped for 20 s mid-run, then back (empty) ──
    if (wanted(3)) {
      const id = (await createJob("redis-down"))!;
      const before = await running(id, 15);
      await redis.stop();
      const t0 = Date.now();
      log(`3: Redis stopped at step ${before.currentStep}`);
      await sleep(3_000);
      const during = await createJob("created-while-redis-down", 30);
      await api.call("jobs.list", () => client.jobs.list({}));
      if (during) await api.call("jobs.cancel (Redis down)", () => client.jobs.cancel({ id: during }));
      await sleep(Math.max(0, 20_000 - (Date.now() - t0)));
      await redis.start();
      const tBack = Date.now();
      log("3: Redis back (empty)");
      await waitUntil(
        "progress after Redis came back",
        async () => (await row(id)).currentStep > before.currentStep + 5,
        120_000,
      );
      const tProgress = Date.now();
      const enqueued = during
        ? await waitUntil(
            "the job created while Redis was down to be enqueued",
            async () => (await row(during)).enqueuedAt,
            60_000,
          )
        : null;
      const tEnqueued = Date.now();
      await finalState(id, tBack);
      if (during) await finalState(during, tBack);
      recoveries.push({
        scenario: "3. Redis down 20 s mid-run",
        times: {
          "back → progress recorded again": secs(tProgress - tBack),
          "back → job created meanwhile enqueued": enqueued ? secs(tEnqueued - tBack) : NaN,
          "back → final": secs(Date.now() - tBack),
        },
        jobs: during ? [id, during] : [id],
        expect: { [id]: ["succeeded"], ...(during ? { [during]: ["succeeded"] } : {}) },
        straight: [id],
      });
    }

    // ── 4. the worker killed mid-stream, back after 2.5 × the offline threshold ──
    if (wanted(4)) {
      const id = (await createJob("worker-killed"))!;
      const before = await running(id, 15);
      await worker.kill();
      const t0 = Date.now();
      log(`4: worker killed at step ${before.currentStep}`);
      await sleep(2.5 * RUNNER_OFFLINE_AFTER_MS);
      worker.start();
      const tBack = Date.now();
      await waitUntil(
        "the worker catching up",
        async () => (await row(id)).currentStep > before.currentStep + 10,
        120_000,
      );
      const tCaught = Date.now();
      await finalState(id, t0);
      recoveries.push({
        scenario: "4. worker SIGKILL, down 15 s",
        times: { "restart → events applied again": secs(tCaught - tBack), "restart → final": secs(Date.now() - tBack) },
        jobs: [id],
        expect: { [id]: ["succeeded"] },
        straight: [id],
      });
    }

    // ── 5. twenty jobs cancelled at random moments ──
    if (wanted(5)) {
      const ids = (await Promise.all(Array.from({ length: 20 }, (_, i) => createJob(`storm-${i}`)))).filter(
        (x): x is string => Boolean(x),
      );
      const t0 = Date.now();
      await Promise.all(
        ids.map(async (id) => {
          await sleep(Math.random() * 30_000);
          await api.call("jobs.cancel", () => client.jobs.cancel({ id }));
        }),
      );
      const tLast = Date.now();
      for (const id of ids) await finalState(id, tLast);
      recoveries.push({
        scenario: "5. 20 cancels at random moments",
        times: {
          "last cancel → all final": secs(Date.now() - tLast),
          "first create → all final": secs(Date.now() - t0),
        },
        jobs: ids,
        expect: Object.fromEntries(ids.map((id) => [id, ["cancelled", "succeeded"]])),
      });
    }

    // ── 6. a corrupt checkpoint to resume from ──
    if (wanted(6)) {
      const id = (await createJob("corrupt-checkpoint"))!;
      await running(id, 25);
      await waitUntil("two checkpoints", async () => ((await newestCheckpoint(id))?.step ?? 0) >= 20, 60_000);
      const victim = (await holder(id))!;
      victim.killGroup();
      const t0 = Date.now();
      await waitUntil("the runner's processes gone", async () => victim.gone(), 10_000);
      // The newest complete checkpoint in storage (the database may lag by one), one byte flipped in its weights.
      const folder = join(storageRoot, `jobs/${id}/checkpoints`);
      const steps = [];
      for (const d of await readdir(folder))
        if (await stat(join(folder, d, "_COMPLETE")).catch(() => null)) steps.push(Number(d.replace("step-", "")));
      const newest = Math.max(...steps);
      const weights = join(folder, `step-${newest}`, "adapter_model.safetensors");
      const bytes = await readFile(weights);
      const mid = bytes.length >> 1;
      bytes.writeUInt8(bytes.readUInt8(mid) ^ 0xff, mid);
      await writeFile(weights, bytes);
      log(`6: killed ${victim.name}, damaged step-${newest}`);
      await finalState(id, t0);
      const logs = await prisma.jobEvent.findMany({ where: { jobId: id, kind: "log" }, select: { message: true } });
      check(
        logs.some((l) => l.message.startsWith(`checkpoint step-${newest} does not verify`)),
        `6: the job's events say step-${newest} did not verify`,
      );
      check(
        logs.some((l) => /^resuming from checkpoint step-(\d+)$/.exec(l.message)?.[1] === String(newest - 10)),
        `6: it resumed from step-${newest - 10}, the newest that verifies`,
      );
      recoveries.push({
        scenario: "6. corrupt newest checkpoint",
        times: { "kill → final": secs(Date.now() - t0) },
        jobs: [id],
        expect: { [id]: ["succeeded"] },
      });
      startRunnerNamed(victim.name);
    }

    // ── 7. what a killed web app leaves: a partial upload, a blob without its dataset version ──
    if (wanted(7)) {
      const upload = join(storageRoot, `datasets/${team.id}/${randomBytes(8).toString("hex")}`);
      await mkdir(upload, { recursive: true });
      await writeFile(join(upload, "big.jsonl.1a2b3c.partial"), chatDataset(10).slice(0, 500));
      const old = new Date(Date.now() - 60_000);
      await utimes(join(upload, "big.jsonl.1a2b3c.partial"), old, old);
      const orphanDir = join(storageRoot, `datasets/${team.id}/${randomBytes(8).toString("hex")}`);
      await mkdir(orphanDir, { recursive: true });
      await writeFile(join(orphanDir, "tickets.jsonl"), chatDataset(10));
      const t0 = Date.now();
      await waitUntil(
        "the sweeper to remove both",
        async () =>
          !(await stat(join(upload, "big.jsonl.1a2b3c.partial")).catch(() => null)) &&
          !(await stat(join(orphanDir, "tickets.jsonl")).catch(() => null)),
        120_000,
      );
      recoveries.push({
        scenario: "7. a killed upload's leftovers (sweeper threshold 10 s)",
        times: { "left → swept": secs(Date.now() - t0) },
        jobs: [],
        expect: {},
      });
    }

    // ── the checks over everything ──
    for (const r of recoveries) {
      for (const id of r.jobs) {
        const j = await row(id);
        check(r.expect[id]!.includes(j.state), `${r.scenario}: ${j.name} ended ${j.state} (${j.error ?? "no error"})`);
        if (r.straight?.includes(id)) {
          const states = await prisma.jobEvent.findMany({
            where: { jobId: id, kind: "state" },
            orderBy: { createdAt: "asc" },
            select: { message: true },
          });
          const seq = states.map((e) => e.message.split(":")[0]).join(" → ");
          check(seq === "queued → running → succeeded", `${j.name}: ran once, straight through (${seq})`);
        }
        if (j.state !== "succeeded") continue;
        const points = await prisma.metricPoint.findMany({
          where: { jobId: id, name: "train_loss" },
          select: { step: true },
        });
        const steps = points.map((p) => p.step).sort((a, b) => a - b);
        const maxSteps = (j.hyperparameters as { maxSteps: number }).maxSteps;
        const expected = Array.from({ length: maxSteps }, (_, i) => i + 1);
        const missing = expected.filter((s) => !steps.includes(s));
        check(
          missing.length === 0 && steps.length === maxSteps && j.currentStep === maxSteps,
          `${j.name}: train_loss at every step 1..${maxSteps} exactly once, currentStep ${j.currentStep}` +
            (missing.length ? ` (missing ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? "…" : ""})` : ""),
        );
        const successes = await prisma.jobEvent.count({
          where: { jobId: id, kind: "state", message: { startsWith: "succeeded" } },
        });
        check(successes === 1, `${j.name}: one success recorded (${successes})`);
        const artifacts = await prisma.artifact.findMany({ where: { jobId: id } });
        let intact = artifacts.length > 0;
        for (const a of artifacts) {
          const data = await readFile(join(storageRoot, a.key)).catch(() => null);
          intact &&=
            !!data && data.length === Number(a.bytes) && createHash("sha256").update(data).digest("hex") === a.sha256;
        }
        check(intact, `${j.name}: ${artifacts.length} artifacts in storage with their size and sha256`);
      }
    }
    const qConnection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    qConnection.on("error", () => undefined);
    const q = new Queue(TRAINING_QUEUE, { connection: qConnection });
    const left = await q.getJobs(["waiting", "active", "delayed", "prioritized"]);
    const leftFinal = [];
    for (const b of left)
      if (b.id && isFinal((await row(b.id).catch(() => ({ state: "succeeded" }))).state)) leftFinal.push(b.id);
    check(leftFinal.length === 0, `no BullMQ job left to run for a finished job (${leftFinal.join(", ") || "none"})`);
    await q.close();
    qConnection.disconnect();
    for (const v of await prisma.datasetVersion.findMany()) {
      const data = await readFile(join(storageRoot, v.blobKey)).catch(() => null);
      check(
        !!data && data.length === Number(v.bytes) && createHash("sha256").update(data).digest("hex") === v.sha256,
        `dataset version ${v.version} whole in storage`,
      );
    }
    const partials = (await readdir(storageRoot, { recursive: true })).filter((f) => String(f).endsWith(".partial"));
    check(partials.length === 0, `no partial file left in storage (${partials.length})`);
    const bad = api.calls.filter((c) => c.status === "hang" || c.status === 500 || c.ms > 5_000);
    check(bad.length === 0, `${api.calls.length} API calls: none hung, none answered 500, none took over 5 s`);
    const unavailable = api.calls.filter((c) => c.status === 503);
    for (const c of unavailable) log(`     503 ${c.what} in ${c.ms} ms: ${c.message}`);

    console.log("\n| scenario | recovery | jobs final (expected) |\n| --- | --- | --- |");
    for (const r of recoveries) {
      const times = Object.entries(r.times)
        .map(([k, v]) => `${k}: ${v} s`)
        .join("; ");
      const states = await Promise.all(r.jobs.map(async (id) => (await row(id)).state));
      const summary = Object.entries(
        states.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {}),
      )
        .map(([s, n]) => `${n} ${s}`)
        .join(", ");
      console.log(`| ${r.scenario} | ${times} | ${summary || "—"} |`);
    }
    const byStatus = api.calls.reduce<Record<string, number>>(
      (acc, c) => ({ ...acc, [c.status]: (acc[c.status] ?? 0) + 1 }),
      {},
    );
    console.log(
      `\nAPI calls by answer: ${JSON.stringify(byStatus)}; slowest ${Math.max(0, ...api.calls.map((c) => c.ms))} ms`,
    );
  } catch (err) {
    failures.push(`aborted: ${(err as Error).message}`);
    log(`aborted: ${(err as Error).stack}`);
  } finally {
    await api.close();
    await stopEverything();
    if (failures.length) log(`logs kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
  console.log(
    failures.length ? `\n${failures.length} check(s) failed:\n- ${failures.join("\n- ")}` : "\nall checks passed",
  );
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
