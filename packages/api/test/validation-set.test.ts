/**
 * A job's explicit validation set (`validationDatasetVersionId`; OpenAI's `validation_file`): checked in the caller's
 * team, carried to the runner as the payload's `validationDatasets`, read back on the job; tRPC, REST and OpenAPI.
 */
import { TRPCError } from "@trpc/server";
import { trainingJobPayloadSchema } from "@whetstone/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../src/openapi";
import { seedDatasetVersion, seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
import { serveRest } from "./rest-client";

let env: TestEnv;
let w: World;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
});
afterAll(() => env?.close());

const asOwnerA = () => env.as(w.ownerA, w.teamA.slug);
const spec = (validationDatasetVersionId: string) => ({
  baseModelId: w.sharedModel.id,
  technique: "sft" as const,
  datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
  validationDatasetVersionId,
});

async function refusal(p: Promise<unknown>, code: string) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected the call to fail").toBeInstanceOf(TRPCError);
  const e = err as TRPCError & { cause?: { details?: Record<string, unknown> } };
  expect(e.code).toBe(code);
  expect(e.cause?.details?.field).toBe("validationDatasetVersionId");
  return e;
}

describe("a job's validation set", () => {
  it("is stored, listed, and put in the payload as validationDatasets (the training datasets unchanged)", async () => {
    const val = await seedDatasetVersion(env.db.prisma, { teamId: w.teamA.id, name: "support-val", rows: 12 });
    const job = await asOwnerA().jobs.create(spec(val.id));
    expect(job.validationSet).toEqual({
      datasetVersionId: val.id,
      datasetId: val.datasetId,
      datasetName: "support-val",
      version: 1,
      format: "chat",
    });
    expect((await asOwnerA().jobs.get({ id: job.id })).validationSet?.datasetVersionId).toBe(val.id);
    const listed = (await asOwnerA().jobs.list({ limit: 50 })).items.find((j) => j.id === job.id);
    expect(listed?.validationSet).toEqual(job.validationSet);

    const payload = trainingJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(job.id))!.data);
    expect(payload.datasets.map((d) => d.datasetVersionId)).toEqual([w.chatA.id]);
    expect(payload.validationDatasets).toEqual([
      {
        datasetVersionId: val.id,
        name: "support-val",
        key: val.blobKey,
        format: "chat",
        container: "jsonl",
        weight: 1,
        rows: 12,
        sha256: val.sha256,
      },
    ]);
    // a job without one: an empty list, the runner holds out validationSplit
    const plain = await asOwnerA().jobs.create({ ...spec(val.id), validationDatasetVersionId: undefined });
    expect(plain.validationSet).toBeNull();
    expect((await env.deps.trainingQueue.getJob(plain.id))!.data.validationDatasets).toEqual([]);
  });

  it("is refused, naming the field and writing nothing, when it is another team's, of the wrong format, empty or a training dataset", async () => {
    const before = await env.db.prisma.fineTuneJob.count();
    const foreign = await refusal(asOwnerA().jobs.create(spec(w.chatB.id)), "NOT_FOUND");
    expect(foreign.message).toBe(`validation set: dataset version "${w.chatB.id}" not found in this team`);
    const format = await refusal(asOwnerA().jobs.create(spec(w.textA.id)), "BAD_REQUEST");
    expect(format.message).toMatch(
      /validation set "contracts" v1 is in format "text"; technique "sft" needs one of: chat/,
    );
    const empty = await seedDatasetVersion(env.db.prisma, { teamId: w.teamA.id, name: "empty-val", rows: 0 });
    const e = await refusal(asOwnerA().jobs.create(spec(empty.id)), "BAD_REQUEST");
    expect(e.message).toBe(`validation set "empty-val" v1 has no rows: nothing to validate on`);
    // the spec's own check: validating on a training dataset
    await expect(asOwnerA().jobs.create(spec(w.chatA.id))).rejects.toThrow(/validating on training data/);
    expect(await env.db.prisma.fineTuneJob.count()).toBe(before);
  });

  it("keeps its dataset from being deleted while the job is not final; afterwards the job loses the link", async () => {
    const val = await seedDatasetVersion(env.db.prisma, { teamId: w.teamA.id, name: "kept-val", rows: 5 });
    const job = await asOwnerA().jobs.create(spec(val.id));
    await expect(asOwnerA().datasets.delete({ id: val.datasetId })).rejects.toThrow(
      new RegExp(`dataset "kept-val" is used by job .*${job.id}`),
    );
    await asOwnerA().jobs.cancel({ id: job.id });
    await asOwnerA().datasets.delete({ id: val.datasetId });
    expect((await asOwnerA().jobs.get({ id: job.id })).validationSet).toBeNull();
  });

  it("is a field of POST /api/v1/jobs, in the OpenAPI document", async () => {
    const doc = buildOpenApiDocument("http://localhost/api/v1") as unknown as {
      paths: Record<
        string,
        { post?: { requestBody?: { content: Record<string, { schema: { properties?: object } }> } } }
      >;
    };
    const body = doc.paths["/jobs"]?.post?.requestBody?.content["application/json"]?.schema;
    expect(body?.properties).toHaveProperty("validationDatasetVersionId");

    const val = await seedDatasetVersion(env.db.prisma, { teamId: w.teamA.id, name: "rest-val", rows: 5 });
    const res = await serveRest(
      new Request("http://localhost/api/v1/jobs", {
        method: "POST",
        headers: { authorization: `Bearer ${w.apiKeyA.key}`, "content-type": "application/json" },
        body: JSON.stringify(spec(val.id)),
      }),
      env.deps,
    );
    expect(res.status).toBe(201);
    const job = (await res.json()) as { id: string; validationSet: { datasetVersionId: string } | null };
    expect(job.validationSet?.datasetVersionId).toBe(val.id);
    const row = await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.validationSetId).toBe(val.id);
  });
});
