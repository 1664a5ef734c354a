/**
 * `npm run quickstart -- --demo`: drives the running platform the way an integration would — over the REST API
 * with an API key — uploads the sample support-chat dataset, starts a fine-tuning job on the tiny offline
 * model, and follows it to the end with a progress bar. The dashboard shows the same job live.
 */
import { readFileSync } from "node:fs";
import { createApiKey, revokeApiKey } from "@whetstone/api";
import { createPrismaClient } from "@whetstone/db";

const base = process.argv[2] ?? "http://localhost:3000";
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

const MAX_STEPS = 90;
const user = await prisma.user.findUniqueOrThrow({ where: { email } });
const team = await prisma.team.findUniqueOrThrow({ where: { slug: "demo" } });
const actor = { teamId: team.id, userId: user.id, role: "owner" as const, isAdmin: user.isAdmin };
const { key, id: keyId } = await createApiKey(prisma, actor, {
  name: "quickstart demo",
  role: "member",
  isAdmin: false,
});
try {
  const file = new URL("../examples/datasets/support-chat.jsonl", import.meta.url);
  const version = await api<{ id: string; rowCount: number; format: string }>(
    key,
    "POST",
    "/datasets/support-chat/versions?filename=support-chat.jsonl",
    undefined,
    readFileSync(file),
  );
  console.log(`uploaded support-chat: ${version.rowCount} rows, format ${version.format}`);

  const models = await api<{ id: string; name: string }[]>(key, "GET", "/base-models");
  const tiny = models.find((m) => m.name.startsWith("tiny-llama"));
  if (!tiny) throw new Error("the tiny offline base model is not registered (run the quickstart's seed)");

  const job = await api<{ id: string }>(key, "POST", "/jobs", {
    name: "Northwind support assistant (demo)",
    baseModelId: tiny.id,
    technique: "sft",
    // The tiny offline model is randomly initialised: a LoRA adapter has little to adapt there, so the demo trains
    // all of its 0.2M weights. With a real base model (a Hub id), LoRA is the default.
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
      maxSteps: MAX_STEPS,
    },
  });
  console.log(`job ${job.id} queued — watch it live at ${base}/t/${team.slug}/jobs/${job.id}`);

  for (;;) {
    const j = await api<{ state: string; currentStep: number; totalSteps: number | null; error: string | null }>(
      key,
      "GET",
      `/jobs/${job.id}`,
    );
    const total = j.state === "succeeded" ? j.currentStep : (j.totalSteps ?? MAX_STEPS);
    process.stdout.write(`\r${j.state.padEnd(10)} ${bar(j.currentStep, total)} step ${j.currentStep}`);
    if (["succeeded", "failed", "cancelled"].includes(j.state)) {
      console.log(j.error ? `\n${j.state}: ${j.error}` : `\n${j.state}`);
      if (j.state !== "succeeded") process.exitCode = 1;
      break;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
} finally {
  await revokeApiKey(prisma, actor, keyId);
  await prisma.$disconnect();
}
