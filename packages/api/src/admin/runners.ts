/**
 * GPU runners for the admin console: what each one is doing, and drain / disable / enable.
 *
 * The runner reads the Redis key `runnerControlKey(name)` before it takes a job: "drain" (finish the current job,
 * take no more), "disable" (take nothing; a job in hand is handed back to the queue by the runner); no key = enabled.
 * The Runner row's state is set at once so the console shows the change; the runner's next heartbeat confirms it.
 */
import type { RunnerState } from "@whetstone/db";
import { RUNNER_OFFLINE_AFTER_MS, runnerControlKey } from "@whetstone/queue";
import { notFound } from "../errors";
import type { ApiDeps } from "../trpc";
import { audit } from "../audit/audit";

/**
 * The runners with their current job. A runner silent for `offlineAfterMs` (the contract's threshold, which the
 * worker's reconciler uses too unless its deployment overrides it) shows offline.
 */
export async function listRunners(
  prisma: ApiDeps["prisma"],
  now = new Date(),
  offlineAfterMs = RUNNER_OFFLINE_AFTER_MS,
) {
  const runners = await prisma.runner.findMany({ orderBy: { name: "asc" } });
  const jobIds = runners.map((r) => r.currentJobId).filter((id): id is string => !!id);
  const jobs = await prisma.fineTuneJob.findMany({
    where: { id: { in: jobIds } },
    select: { id: true, name: true, state: true, team: { select: { id: true, slug: true, name: true } } },
  });
  const jobById = new Map(jobs.map((j) => [j.id, j]));
  return runners.map((r) => {
    const job = r.currentJobId ? jobById.get(r.currentJobId) : undefined;
    const ageMs = r.lastHeartbeatAt ? Math.max(0, now.getTime() - r.lastHeartbeatAt.getTime()) : null;
    const age = ageMs === null ? null : ageMs / 1000;
    // The row's state is the last one recorded; a silent runner is offline even before the worker records it.
    const silent = ageMs === null || ageMs > offlineAfterMs;
    return {
      name: r.name,
      gpuName: r.gpuName,
      vramMb: r.vramMb,
      gpuCount: r.gpuCount,
      cudaVersion: r.cudaVersion,
      version: r.version,
      state: silent && r.state !== "disabled" ? ("offline" as const) : r.state,
      currentJob: job
        ? {
            id: job.id,
            name: job.name,
            state: job.state,
            teamId: job.team.id,
            teamSlug: job.team.slug,
            teamName: job.team.name,
          }
        : r.currentJobId
          ? { id: r.currentJobId, name: null, state: null, teamId: null, teamSlug: null, teamName: null }
          : null,
      lastHeartbeatAt: r.lastHeartbeatAt,
      heartbeatAgeSeconds: age,
      jobsDone: r.jobsDone,
      gpuHours: r.gpuSeconds / 3600,
      createdAt: r.createdAt,
    };
  });
}

export type RunnerControl = "drain" | "disable" | "enable";

const AUDIT_ACTION = { drain: "runner.drained", disable: "runner.disabled", enable: "runner.enabled" } as const;

export async function controlRunner(
  deps: Pick<ApiDeps, "prisma" | "redis">,
  actorUserId: string,
  name: string,
  control: RunnerControl,
) {
  const { prisma, redis } = deps;
  const runner = await prisma.runner.findUnique({ where: { name } });
  if (!runner) throw notFound(`runner "${name}"`);

  // Redis first: it is what the runner obeys. If the database write then fails, the next heartbeat reports the
  // state the runner actually took.
  if (control === "enable") await redis.del(runnerControlKey(name));
  else await redis.set(runnerControlKey(name), control);

  let state: RunnerState;
  if (control === "drain") state = "draining";
  else if (control === "disable") state = "disabled";
  else state = runner.state === "offline" ? "offline" : runner.currentJobId ? "busy" : "idle";

  const updated = await prisma.$transaction(async (tx) => {
    const r = await tx.runner.update({ where: { name }, data: { state } });
    await audit(tx, {
      action: AUDIT_ACTION[control],
      actorUserId,
      teamId: null,
      targetType: "runner",
      targetId: name,
      details: { fromState: runner.state, toState: state, currentJobId: runner.currentJobId },
    });
    return r;
  });
  return { name: updated.name, state: updated.state, control: control === "enable" ? null : control };
}
