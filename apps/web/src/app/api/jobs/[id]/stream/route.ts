import { getDeps, createSubscriber } from "@/server/deps";
import { resolveCaller } from "@/server/caller";
import { handleJobStream } from "@/server/routes/job-stream";
import { readSession } from "@/server/session";

export const dynamic = "force-dynamic";

export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  const deps = await getDeps();
  const caller = await resolveCaller(req, deps, readSession);
  return handleJobStream(req, deps, caller, id, createSubscriber);
}
