/** CSV export of a team's GPU usage for the admin console: GET /admin/usage/export?teamId=…&month=YYYY-MM (admins only). */
import { getTeamUsage, usageCsv } from "@whetstone/api";
import { resolveCaller } from "@/server/caller";
import { getDeps } from "@/server/deps";
import { readSession } from "@/server/session";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const deps = await getDeps();
  const caller = await resolveCaller(req, deps, readSession);
  // Same answer as the admin pages give non-admins: nothing here.
  if (!caller?.isAdmin) return new Response("not found", { status: 404 });
  const url = new URL(req.url);
  const teamId = url.searchParams.get("teamId");
  const month = url.searchParams.get("month") ?? new Date().toISOString().slice(0, 7);
  if (!teamId || !/^\d{4}-\d{2}$/.test(month))
    return new Response("teamId and month=YYYY-MM are required", { status: 400 });
  const team = await deps.prisma.team.findUnique({ where: { id: teamId }, select: { id: true } });
  if (!team) return new Response("team not found", { status: 404 });
  const usage = await getTeamUsage(deps.prisma, teamId, month);
  return new Response(usageCsv(usage), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="usage-${usage.team.slug}-${month}.csv"`,
      "cache-control": "no-store",
    },
  });
}
