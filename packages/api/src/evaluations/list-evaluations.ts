import type { JobState } from "@whetstone/core";
import type { Prisma, PrismaClient } from "@whetstone/db";
import { AppError } from "../errors";
import { evaluationViewSelect, toEvaluationView } from "./evaluation-view";

export interface ListEvaluationsInput {
  limit: number;
  /** Id of the last evaluation of the previous page. */
  cursor?: string | null;
  /** Evaluations of this training job's test split (the automatic one after training, and any asked for later). */
  jobId?: string | null;
  /** Evaluations in which this model is one of the models compared. */
  modelId?: string | null;
  state?: JobState | null;
}

/** The team's evaluations, newest first, keyset-paginated on (createdAt, id); each with its summary. */
export async function listEvaluations(prisma: PrismaClient, teamId: string, input: ListEvaluationsInput) {
  const where: Prisma.EvaluationWhereInput = { teamId };
  if (input.jobId) where.sourceJobId = input.jobId;
  if (input.modelId) where.models = { some: { baseModelId: input.modelId } };
  if (input.state) where.state = input.state;
  if (input.cursor) {
    const c = await prisma.evaluation.findFirst({
      where: { id: input.cursor, teamId },
      select: { id: true, createdAt: true },
    });
    if (!c) {
      throw new AppError("NOT_FOUND", `cursor "${input.cursor}" is not an evaluation of this team`, {
        field: "cursor",
      });
    }
    where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
  }
  const rows = await prisma.evaluation.findMany({
    where,
    select: evaluationViewSelect,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map(toEvaluationView),
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
