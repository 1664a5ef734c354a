import { z } from "zod";
import { runnerEventSchema } from "./events";
import { runnerEventExamples, trainingJobPayloadExamples } from "./examples";
import { trainingJobPayloadSchema } from "./training-job";

function render(schema: z.ZodType, title: string, examples: unknown[]): string {
  const json = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return JSON.stringify({ title, ...json, examples }, null, 2) + "\n";
}

/** File name → JSON text of every exported schema. */
export function renderSchemas(): Record<string, string> {
  return {
    "training-job.schema.json": render(
      trainingJobPayloadSchema,
      "Whetstone training job payload",
      trainingJobPayloadExamples,
    ),
    "runner-event.schema.json": render(runnerEventSchema, "Whetstone runner event", runnerEventExamples),
  };
}
