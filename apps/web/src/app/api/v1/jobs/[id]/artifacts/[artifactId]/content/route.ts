import { callerFromApiKey } from "@/server/caller";
import { getDeps } from "@/server/deps";
import { handleArtifactDownload } from "@/server/routes/artifact-download";
import { handleRest } from "@/server/routes/rest";

export const dynamic = "force-dynamic";

/** Download an artifact of job {id} (its bytes, with `x-content-sha256`). API key only. */
export async function GET(req: Request, ctx: { params: Promise<{ id: string; artifactId: string }> }) {
  const { id, artifactId } = await ctx.params;
  const deps = await getDeps();
  return handleArtifactDownload(deps, await callerFromApiKey(req, deps), id, artifactId);
}

/** Any other method: 405 with Allow. */
const other = async (req: Request) => handleRest(req, await getDeps());
export { other as POST, other as PUT, other as PATCH, other as DELETE, other as OPTIONS };
