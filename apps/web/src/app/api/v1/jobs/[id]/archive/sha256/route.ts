import { callerFromApiKey } from "@/server/caller";
import { getDeps } from "@/server/deps";
import { handleModelArchiveChecksum } from "@/server/routes/model-archive";
import { handleRest } from "@/server/routes/rest";

export const dynamic = "force-dynamic";

/** The sha256 of job {id}'s model archive (?kind=…), computed once and kept. API key only. */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  const deps = await getDeps();
  return handleModelArchiveChecksum(deps, await callerFromApiKey(req, deps), id, req);
}

/** Any other method: 405 with Allow. */
const other = async (req: Request) => handleRest(req, await getDeps());
export { other as POST, other as PUT, other as PATCH, other as DELETE, other as OPTIONS };
