import { getDeps } from "@/server/deps";
import { resolveCaller } from "@/server/caller";
import { handleArtifactDownload } from "@/server/routes/artifact-download";
import { readSession } from "@/server/session";

export const dynamic = "force-dynamic";

export async function GET(req: Request, ctx: { params: Promise<{ id: string; artifactId: string }> }) {
  const { id, artifactId } = await ctx.params;
  const deps = await getDeps();
  const caller = await resolveCaller(req, deps, readSession);
  return handleArtifactDownload(deps, caller, id, artifactId);
}
