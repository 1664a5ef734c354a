import { z } from "zod";
import { contractDocument, JOB_KINDS, JOB_KIND_NAMES } from "./contract";
import { runnerEventSchema } from "./events";
import {
  evaluationJobPayloadExamples,
  generationJobPayloadExamples,
  runnerEventExamples,
  scoreJobPayloadExamples,
  simulationJobPayloadExamples,
  trainingJobPayloadExamples,
  augmentationJobPayloadExamples,
  mergeJobPayloadExamples,
} from "./examples";
import { jobPayloadSchemas } from "./job-payload";

function render(schema: z.ZodType, title: string, examples: unknown[]): string {
  const json = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return JSON.stringify({ title, ...json, examples }, null, 2) + "\n";
}

const payloadExamples: Record<keyof typeof JOB_KINDS, unknown[]> = {
  train: trainingJobPayloadExamples,
  evaluate: evaluationJobPayloadExamples,
  generate: generationJobPayloadExamples,
  score: scoreJobPayloadExamples,
  simulate: simulationJobPayloadExamples,
  augment: augmentationJobPayloadExamples,
  merge: mergeJobPayloadExamples,
};

/** File name → JSON text of every export the runner loads: the contract, one schema per job kind, the events. */
export function renderSchemas(): Record<string, string> {
  const files: Record<string, string> = {
    "contract.json": JSON.stringify(contractDocument(), null, 2) + "\n",
    "runner-event.schema.json": render(runnerEventSchema, "Whetstone runner event", runnerEventExamples),
  };
  for (const kind of JOB_KIND_NAMES) {
    files[JOB_KINDS[kind].schema] = render(
      jobPayloadSchemas[kind],
      `Whetstone job payload: ${kind}`,
      payloadExamples[kind],
    );
  }
  return files;
}
