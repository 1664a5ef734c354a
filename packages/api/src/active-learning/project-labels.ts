/** The declared label set of a classification project: names in order, each with an optional description. */
import { z } from "zod";

export const projectLabelSchema = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(1000).optional(),
});
export type ProjectLabel = z.infer<typeof projectLabelSchema>;

/** Reads the stored JSON (written by createProject, so a mismatch is a bug, not bad input). */
export function readProjectLabels(json: unknown): ProjectLabel[] {
  return z.array(projectLabelSchema).parse(json ?? []);
}

export const labelNames = (json: unknown): string[] => readProjectLabels(json).map((l) => l.name);
