import { getDeps } from "@/server/deps";
import { resolveCaller } from "@/server/caller";
import { handleModelArchiveDownload } from "@/server/routes/model-archive";
import { readSession } from "@/server/session";

export const dynamic = "force-dynamic";

/** The dashboard's "Download model" button: job {id}'s model as one tar (?kind=…). */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  const deps = await getDeps();
  return handleModelArchiveDownload(deps, await resolveCaller(req, deps, readSession), id, req);
}
