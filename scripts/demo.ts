/**
 * `npm run quickstart -- --demo`: drives the running platform the way an integration would — over the REST API
 * with an API key — uploads a dataset, starts a fine-tuning job and follows it to the end with a progress bar. The
 * dashboard shows the same job live.
 *
 * With SmolLM2-135M-Instruct registered and a sample-data folder given (`npx tsx scripts/demo.ts URL DIR`, DIR from
 * `python -m whetstone_runner.sample_data --out DIR`), it teaches the real model a domain task with LoRA, the product
 * default: answering a customer tweet to an airline with its sentiment (negative, neutral, positive). Short
 * sequences and few steps keep it to minutes on a 2-core CPU. Otherwise it falls back to the tiny random model and
 * the bundled support-chat examples.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createApiKey, revokeApiKey } from "@whetstone/api";
import { createPrismaClient } from "@whetstone/db";

const base = process.argv[2] ?? "http://localhost:3000";
const sampleDir = process.argv[3];
const email = process.env.WHETSTONE_ADMIN_EMAIL || "admin@whetstone.local";
const prisma = createPrismaClient(process.env.DATABASE_URL!);

async function api<T>(key: string, method: string, path: string, body?: unknown, raw?: Buffer): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(raw ? { "content-type": "application/x-ndjson" } : body ? { "content-type": "application/json" } : {}),
    },
    body: raw ? new Uint8Array(raw) : body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

function bar(done: number, total: number, width = 30): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  return `[${"█".repeat(Math.round(f * width)).padEnd(width, "░")}] ${String(Math.round(f * 100)).padStart(3)}%`;
}

const user = await prisma.user.findUniqueOrThrow({ where: { email } });
const team = await prisma.team.findUniqueOrThrow({ where: { slug: "demo" } });
const actor = { teamId: team.id, userId: user.id, role: "owner" as const, isAdmin: user.isAdmin };
const { key, id: keyId } = await createApiKey(prisma, actor, {
  name: "quickstart demo",
  role: "member",
  isAdmin: false,
});

async function upload(name: string, file: string | URL) {
  const filename = String(file).split("/").pop();
  const version = await api<{ id: string; rowCount: number; format: string }>(
    key,
    "POST",
    `/datasets/${name}/versions?filename=${filename}`,
    undefined,
    readFileSync(file),
  );
  console.log(`uploaded ${name}: ${version.rowCount} rows, format ${version.format}`);
  return version;
}

/** SmolLM2 + airline tweets when both are there; else the tiny model + support chat. */
async function demoJob(models: { id: string; name: string }[]) {
  const smol = models.find((m) => m.name === "SmolLM2-135M-Instruct");
  const tweets = sampleDir && join(sampleDir, "airline-sentiment-sft.train.jsonl");
  if (smol && tweets && existsSync(tweets)) {
    const version = await upload("airline-sentiment", tweets);
    return {
      name: "Airline tweet sentiment on SmolLM2 (demo)",
      baseModelId: smol.id,
      technique: "sft",
      method: "lora",
      datasets: [{ datasetVersionId: version.id, weight: 1 }],
      hyperparameters: {
        epochs: 1,
        learningRate: 0.001,
        batchSize: 8,
        maxSeqLength: 128,
        loraR: 8,
        loraAlpha: 16,
        evalEverySteps: 10,
        logEverySteps: 2,
        checkpointEverySteps: 20,
        // One step of 8 tweets (~100 tokens each) takes about 10 s on 2 idle cores.
        maxSteps: 20,
      },
    };
  }
  console.log("SmolLM2 or the sample data is missing: the demo fine-tunes the tiny random model instead");
  const tiny = models.find((m) => m.name.startsWith("tiny-llama"));
  if (!tiny) throw new Error("the tiny offline base model is not registered (run the quickstart's seed)");
  const version = await upload("support-chat", new URL("../examples/datasets/support-chat.jsonl", import.meta.url));
  return {
    name: "Northwind support assistant (demo)",
    baseModelId: tiny.id,
    technique: "sft",
    // The tiny offline model is randomly initialised: a LoRA adapter has little to adapt there, so this trains all
    // of its 0.2M weights.
    method: "full",
    datasets: [{ datasetVersionId: version.id, weight: 1 }],
    hyperparameters: {
      epochs: 5,
      learningRate: 0.003,
      batchSize: 8,
      maxSeqLength: 192,
      evalEverySteps: 10,
      logEverySteps: 2,
      checkpointEverySteps: 30,
      maxSteps: 90,
    },
  };
}

type EvaluationItem = {
  id: string;
  state: string;
  examplesDone: number;
  examplesTotal: number | null;
  error: string | null;
  summary: { headline: string; warnings: { message: string }[] } | null;
};

/** The automatic evaluation of the job (base vs fine-tuned on the held-out test split), followed to its end. */
async function showEvaluation(jobId: string) {
  console.log("evaluating the fine-tuned model against its base on the held-out test split…");
  for (let i = 0; i < 900; i++) {
    const { items } = await api<{ items: EvaluationItem[] }>(key, "GET", `/evaluations?jobId=${jobId}&limit=1`);
    const e = items[0];
    if (e) {
      process.stdout.write(`\r${e.state.padEnd(10)} ${bar(e.examplesDone, e.examplesTotal ?? 1)} examples`);
      if (["succeeded", "failed", "cancelled"].includes(e.state)) {
        console.log(e.state === "succeeded" ? `\n${e.summary?.headline ?? ""}` : `\n${e.state}: ${e.error ?? ""}`);
        for (const w of e.summary?.warnings ?? []) console.log(`warning: ${w.message}`);
        console.log(`report: ${base}/t/${team.slug}/evaluations/${e.id}`);
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  console.log("\nthe evaluation did not finish in 30 minutes; see the job page");
}

try {
  const models = await api<{ id: string; name: string }[]>(key, "GET", "/base-models");
  const spec = await demoJob(models);
  const maxSteps = spec.hyperparameters.maxSteps;
  const job = await api<{ id: string }>(key, "POST", "/jobs", spec);
  console.log(`job ${job.id} queued — watch it live at ${base}/t/${team.slug}/jobs/${job.id}`);

  for (;;) {
    const j = await api<{ state: string; currentStep: number; totalSteps: number | null; error: string | null }>(
      key,
      "GET",
      `/jobs/${job.id}`,
    );
    const total = j.state === "succeeded" ? j.currentStep : (j.totalSteps ?? maxSteps);
    process.stdout.write(`\r${j.state.padEnd(10)} ${bar(j.currentStep, total)} step ${j.currentStep}`);
    if (["succeeded", "failed", "cancelled"].includes(j.state)) {
      console.log(j.error ? `\n${j.state}: ${j.error}` : `\n${j.state}`);
      if (j.state !== "succeeded") process.exitCode = 1;
      break;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (process.exitCode !== 1) await showEvaluation(job.id);
} finally {
  await revokeApiKey(prisma, actor, keyId);
  await prisma.$disconnect();
}
