/**
 * A dataset version whose file is gone from storage: every read of it answers a clear 409 naming the version, in the
 * one error shape, over tRPC and REST — not a 500 with ENOENT — and an augmentation of it fails with that reason.
 */
import { createHash } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunnerEventInput } from "@whetstone/queue";
import { ingestDataset } from "../src/datasets/ingest-dataset";
import { sendEvents } from "./augmentation-helpers";
import { seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
import { serveRest } from "./rest-client";
import { ev } from "./runner-fixtures";

let env: TestEnv;
let w: World;
let version: Awaited<ReturnType<typeof ingestDataset>>;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
  const rows = Array.from({ length: 30 }, (_, i) => ({ text: `row ${i} of a dataset`, label: ["a", "b"][i % 2] }));
  version = await ingestDataset(env.deps, {
    teamId: w.teamA.id,
    userId: w.ownerA.id,
    datasetName: "vanishing",
    filename: "vanishing.jsonl",
    body: (async function* () {
      yield Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n"));
    })(),
  });
});
afterAll(() => env?.close());

const asOwnerA = () => env.as(w.ownerA, w.teamA.slug);

async function trpcError(p: Promise<unknown>) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCError);
  return e as TRPCError & { cause?: { details?: Record<string, unknown> } };
}

describe("a version whose file is gone from storage", () => {
  it("answers 409 naming the version over tRPC and REST, for readiness and cleaning", async () => {
    // Queued before the file goes: the augmentation's success must fail with the reason, not retry for ever.
    const a = await asOwnerA().augmentations.create({ id: version.id, method: "perturb", targetRows: 2 });
    await env.deps.storage.delete(version.blobKey);

    const e = await trpcError(asOwnerA().datasets.readiness({ id: version.id, nearDuplicateThreshold: 0.9 }));
    expect(e.code).toBe("CONFLICT");
    expect(e.message).toBe(
      'the file of "vanishing" v1 (vanishing.jsonl) is missing from storage; upload the data again as a new version',
    );
    expect(e.cause?.details).toMatchObject({ kind: "version_file_missing", datasetVersionId: version.id, version: 1 });
    // The stored verdict needs no file.
    expect((await asOwnerA().datasets.readiness({ id: version.id })).stored).toBe(true);

    const clean = await trpcError(asOwnerA().datasets.clean({ id: version.id }));
    expect(clean.code).toBe("CONFLICT");

    const res = await serveRest(
      new Request(`http://localhost/api/v1/dataset-versions/${version.id}/readiness?nearDuplicateThreshold=0.9`, {
        headers: { authorization: `Bearer ${w.apiKeyA.key}` },
      }),
      env.deps,
    );
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error?: { message?: string; details?: Record<string, unknown> } };
    expect(JSON.stringify(body)).toContain("is missing from storage");
    expect(JSON.stringify(body)).toContain("version_file_missing");
    expect(JSON.stringify(body)).not.toMatch(/ENOENT|\/tmp\//);

    const bytes = Buffer.from(
      `${JSON.stringify({ text: "new", label: "a", augmentation: { sourceLine: 1, method: "word_swap", model: null } })}\n`,
    );
    const key = `augmentations/${a.id}/augmented.jsonl`;
    await env.deps.storage.put(
      key,
      (async function* () {
        yield bytes;
      })(),
    );
    const artifact = {
      kind: "augmented_rows" as const,
      name: "augmented.jsonl",
      key,
      bytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    };
    const kind = (x: Record<string, unknown>) => ({ kind: "augment", ...x }) as Partial<RunnerEventInput>;
    await sendEvents(
      env,
      ev.state(a.id, "running", kind({ runner: "r" })),
      ev.state(a.id, "succeeded", kind({ runner: "r", artifacts: [artifact] })),
    );
    const row = await env.db.prisma.augmentation.findUniqueOrThrow({ where: { id: a.id } });
    expect(row).toMatchObject({ state: "failed", resultVersionId: null });
    expect(row.error).toMatch(/"vanishing" v1 \(vanishing.jsonl\) is missing from storage/);
  });
});
