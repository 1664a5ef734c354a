/**
 * Hands picked rows to one labeller. Several members label at once and no row is handed to two of them: the claim
 * is one statement that locks the rows it takes (`FOR UPDATE SKIP LOCKED`), so concurrent claims take disjoint rows.
 * A hand-out lapses after HAND_OUT_LEASE_MS (a closed tab); a lapsed row goes to the next one who asks. The caller's
 * own unlapsed rows come back first, so a reload resumes where it stopped.
 */
import type { ApiDeps } from "../trpc";
import { findProject } from "./project-state";

export const HAND_OUT_LEASE_MS = 60 * 60 * 1000;
export const MAX_CLAIM = 100;

export interface ClaimedItem {
  id: string;
  roundId: string;
  poolRow: number;
  text: string;
  score: number;
  rank: number;
  prediction: unknown;
  reason: string;
  status: string;
  assignedAt: Date | null;
}

export async function claimItems(
  deps: Pick<ApiDeps, "prisma">,
  actor: { teamId: string; userId: string },
  input: { projectId: string; count?: number },
): Promise<ClaimedItem[]> {
  const { prisma } = deps;
  const project = await findProject(prisma, actor.teamId, input.projectId);
  const count = Math.min(Math.max(input.count ?? 10, 1), MAX_CLAIM);
  const lapsed = new Date(Date.now() - HAND_OUT_LEASE_MS);
  return prisma.$queryRaw<ClaimedItem[]>`
    WITH take AS (
      SELECT "id" FROM "ActiveLearningItem"
      WHERE "projectId" = ${project.id}
        AND ("status" = 'pending'
             OR ("status" = 'assigned' AND ("assigneeId" = ${actor.userId} OR "assignedAt" < ${lapsed})))
      ORDER BY ("assigneeId" = ${actor.userId} AND "status" = 'assigned') DESC NULLS LAST, "roundId", "rank"
      LIMIT ${count}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE "ActiveLearningItem" i
    SET "status" = 'assigned', "assigneeId" = ${actor.userId},
        "assignedAt" = CASE WHEN i."assigneeId" = ${actor.userId} AND i."status" = 'assigned' THEN i."assignedAt" ELSE now() END
    FROM take WHERE i."id" = take."id"
    RETURNING i."id", i."roundId", i."poolRow", i."text", i."score", i."rank", i."prediction", i."reason",
              i."status"::text AS "status", i."assignedAt"`.then((rows) =>
    rows.sort((a, b) => a.roundId.localeCompare(b.roundId) || a.rank - b.rank),
  );
}
