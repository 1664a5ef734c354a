/**
 * CSV export of the caller's own team's GPU usage: GET /api/usage/csv?month=YYYY-MM&team=<slug>
 * (session + team slug, or an API key, whose team is the scope). Same numbers as `usage.get` / GET /api/v1/usage.
 */
import { getTeamUsage, usageCsv } from "@whetstone/api";
import { resolveCaller, resolveTeam } from "@/server/caller";
import { getDeps } from "@/server/deps";
import { readSession } from "@/server/session";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const deps = await getDeps();
  const caller = await resolveCaller(req, deps, readSession);
  if (!caller) return new Response("sign in or send an API key", { status: 401 });
  const url = new URL(req.url);
  const team = await resolveTeam(deps, caller, url.searchParams.get("team") ?? req.headers.get("x-whetstone-team"));
  if (!team) return new Response("team not found", { status: 404 });
  const month = url.searchParams.get("month") ?? new Date().toISOString().slice(0, 7);
  if (!/^\d{4}-\d{2}$/.test(month))
    return new Response(`month must look like 2026-11, got "${month}"`, { status: 400 });
  const usage = await getTeamUsage(deps.prisma, team.id, month);
  return new Response(usageCsv(usage), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="usage-${team.slug}-${month}.csv"`,
      "cache-control": "no-store",
    },
  });
}
