/**
 * Fair order of the waiting jobs (docs/decisions/0004-admission-and-fairness.md), pure.
 *
 * Within a team: priority (higher first), then oldest first. Across teams: round robin, where a team's k-th waiting
 * job stands in round `running + k` (`running` = the team's jobs already on a GPU), so free GPUs go to the teams
 * that hold the fewest; within a round, the team with fewer jobs waiting goes first (max-min fairness: the lighter
 * demand is served before the heavier one), then the older job. A team that submits 100 jobs gets one per round like
 * a team that submits 1, and the team that submits 2 has both started within the first three turns.
 */
export interface WaitingJob {
  id: string;
  teamId: string;
  priority: number;
  createdAt: Date;
}

export function fairOrder<T extends WaitingJob>(
  jobs: readonly T[],
  runningByTeam: ReadonlyMap<string, number> = new Map(),
): T[] {
  const byTeam = new Map<string, T[]>();
  for (const j of jobs) {
    const list = byTeam.get(j.teamId);
    if (list) list.push(j);
    else byTeam.set(j.teamId, [j]);
  }
  const ranked: { job: T; round: number; waiting: number }[] = [];
  for (const [teamId, list] of byTeam) {
    list.sort(
      (a, b) => b.priority - a.priority || a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
    );
    const running = runningByTeam.get(teamId) ?? 0;
    list.forEach((job, k) => ranked.push({ job, round: running + k + 1, waiting: list.length }));
  }
  ranked.sort(
    (a, b) =>
      a.round - b.round ||
      a.waiting - b.waiting ||
      a.job.createdAt.getTime() - b.job.createdAt.getTime() ||
      a.job.id.localeCompare(b.job.id),
  );
  return ranked.map((r) => r.job);
}
