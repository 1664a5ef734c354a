import type { JobState } from "@whetstone/core";
import { Prisma, queryRows, type PrismaClient } from "@whetstone/db";
import { AppError } from "../errors";
import type { toJobSummary } from "./job-summary";

export interface ListJobsInput {
  limit: number;
  /** Id of the last job of the previous page. */
  cursor?: string | null;
  state?: JobState | null;
}

type JobSummary = ReturnType<typeof toJobSummary>;
const DATE_FIELDS = ["createdAt", "queuedAt", "startedAt", "finishedAt", "cancelRequestedAt"] as const;

/** A timestamp(3) column (UTC, as Prisma stores DateTime) as ISO 8601 with its Z, for `new Date()`. */
const iso = (column: Prisma.Sql) => Prisma.sql`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Newest first, keyset-paginated on (createdAt, id) so a page costs the same deep in the list.
 * The hottest read of the dashboard and the REST API (polled), so it is ONE SQL statement that returns each job as
 * one JSON value already in the shape of every other job summary (toJobSummary): job, base model, datasets and
 * validation set built by PostgreSQL. Reading 20 columns per job through the driver and Prisma's typed
 * deserialization, then reshaping each row in JavaScript, was most of this route's cost beyond the health route's
 * (bench/api-latency.ts, BENCHMARKS.md); one JSON.parse and five dates per job is what is left here. (One json_agg
 * for the whole page would cost PostgreSQL a second sort of the wide rows.) It runs as a prepared statement on the
 * client's pool (queryRows), which skips Prisma's per-query cost.
 */
export async function listJobs(prisma: PrismaClient, teamId: string, input: ListJobsInput) {
  let after = Prisma.empty;
  if (input.cursor) {
    const c = await prisma.fineTuneJob.findFirst({
      where: { id: input.cursor, teamId },
      select: { id: true, createdAt: true },
    });
    if (!c) throw new AppError("NOT_FOUND", `cursor "${input.cursor}" is not a job of this team`, { field: "cursor" });
    after = Prisma.sql`AND (j."createdAt", j.id) < (${c.createdAt}, ${c.id})`;
  }
  const state = input.state ? Prisma.sql`AND j.state = ${input.state}::"JobState"` : Prisma.empty;
  const rows = await queryRows<{ job: string }>(
    prisma,
    Prisma.sql`
    SELECT json_build_object(
             'id', j.id, 'name', j.name, 'state', j.state, 'technique', j.technique, 'method', j.method,
             'priority', j.priority, 'currentStep', j."currentStep", 'totalSteps', j."totalSteps",
             'pendingReason', j."pendingReason", 'error', j.error, 'runnerName', j."runnerName",
             'createdAt', ${iso(Prisma.sql`j."createdAt"`)}, 'queuedAt', ${iso(Prisma.sql`j."queuedAt"`)},
             'startedAt', ${iso(Prisma.sql`j."startedAt"`)}, 'finishedAt', ${iso(Prisma.sql`j."finishedAt"`)},
             'cancelRequestedAt', ${iso(Prisma.sql`j."cancelRequestedAt"`)},
             'baseModel', json_build_object('id', bm.id, 'name', bm.name),
             'cancelling', j."cancelRequestedAt" IS NOT NULL AND j.state IN ('running', 'queued'),
             'datasets', COALESCE((
               SELECT json_agg(json_build_object(
                        'datasetVersionId', dv.id, 'datasetId', d.id, 'datasetName', d.name,
                        'version', dv.version, 'format', dv.format, 'weight', jd.weight) ORDER BY dv.id)
               FROM "JobDataset" jd
               JOIN "DatasetVersion" dv ON dv.id = jd."datasetVersionId"
               JOIN "Dataset" d ON d.id = dv."datasetId"
               WHERE jd."jobId" = j.id), '[]'::json),
             'validationSet', CASE WHEN vv.id IS NULL THEN NULL ELSE json_build_object(
               'datasetVersionId', vv.id, 'datasetId', vd.id, 'datasetName', vd.name, 'version', vv.version,
               'format', vv.format) END
           )::text AS job
    FROM (
      SELECT j.id, j.name, j.state, j.technique, j.method, j.priority, j."currentStep", j."totalSteps",
             j."pendingReason", j.error, j."runnerName", j."createdAt", j."queuedAt", j."startedAt", j."finishedAt",
             j."cancelRequestedAt", j."baseModelId", j."validationSetId"
      FROM "FineTuneJob" j
      WHERE j."teamId" = ${teamId} ${state} ${after}
      ORDER BY j."createdAt" DESC, j.id DESC
      LIMIT ${input.limit + 1}
    ) j
    JOIN "BaseModel" bm ON bm.id = j."baseModelId"
    LEFT JOIN "DatasetVersion" vv ON vv.id = j."validationSetId"
    LEFT JOIN "Dataset" vd ON vd.id = vv."datasetId"
    ORDER BY j."createdAt" DESC, j.id DESC`,
  );
  const page = rows.slice(0, input.limit).map(({ job }) => {
    const j = JSON.parse(job) as Record<string, unknown>;
    for (const f of DATE_FIELDS) if (j[f] !== null) j[f] = new Date(j[f] as string);
    return j as unknown as JobSummary;
  });
  return {
    items: page,
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
