import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  cancelKey,
  contractDocument,
  EVENTS_STREAM,
  JOB_KINDS,
  jobPayloadSchema,
  redisKey,
  REDIS_KEYS,
  runnerControlKey,
  storageKey,
  STORAGE_LAYOUT,
} from "../src";
import {
  evaluationJobPayloadExamples,
  generationJobPayloadExamples,
  trainingJobPayloadExamples,
} from "../src/examples";
import { renderSchemas } from "../src/json-schema";

const dir = fileURLToPath(new URL("../schema/", import.meta.url));

describe("the committed exports", () => {
  it("are exactly what the TypeScript source generates (run `npm run queue:schema` when this fails)", () => {
    const want = renderSchemas();
    expect(readdirSync(dir).sort()).toEqual(Object.keys(want).sort());
    for (const [file, text] of Object.entries(want)) {
      expect(readFileSync(dir + file, "utf8"), `packages/queue/schema/${file} is stale`).toBe(text);
    }
  });

  it("list one schema per job kind and the contract the runner loads", () => {
    const doc = JSON.parse(readFileSync(dir + "contract.json", "utf8"));
    expect(doc).toEqual(JSON.parse(JSON.stringify(contractDocument())));
    for (const kind of Object.keys(JOB_KINDS) as (keyof typeof JOB_KINDS)[]) {
      expect(readdirSync(dir)).toContain(JOB_KINDS[kind].schema);
    }
  });
});

describe("job payloads", () => {
  it("are discriminated by kind", () => {
    for (const ex of trainingJobPayloadExamples) expect(jobPayloadSchema.parse(ex).kind).toBe("train");
    for (const ex of evaluationJobPayloadExamples) expect(jobPayloadSchema.parse(ex).kind).toBe("evaluate");
    for (const ex of generationJobPayloadExamples) expect(jobPayloadSchema.parse(ex).kind).toBe("generate");
    const unknown = jobPayloadSchema.safeParse({ ...trainingJobPayloadExamples[0], kind: "dance" });
    expect(unknown.success).toBe(false);
  });
});

describe("names from templates", () => {
  it("fill every part and refuse a missing one", () => {
    expect(EVENTS_STREAM).toBe("whetstone:events");
    expect(cancelKey("j1")).toBe("whetstone:cancel:j1");
    expect(runnerControlKey("r1")).toBe("whetstone:runner:r1:control");
    expect(redisKey(REDIS_KEYS.cancel, { jobId: "j" }, "test-1")).toBe("test-1:cancel:j");
    expect(() => redisKey(REDIS_KEYS.cancel)).toThrow(/jobId/);
    const out = storageKey(STORAGE_LAYOUT.jobOutput, { jobId: "j9" });
    expect(storageKey(STORAGE_LAYOUT.checkpoint, { outputPrefix: out, step: 20 })).toBe("jobs/j9/checkpoints/step-20/");
  });
});
