import { callerFromApiKey } from "@/server/caller";
import { getDeps } from "@/server/deps";
import { handleModelArchiveDownload } from "@/server/routes/model-archive";
import { handleRest } from "@/server/routes/rest";

export const dynamic = "force-dynamic";

/** Download job {id}'s model as one tar (?kind=adapter|model|merged_model), streamed. API key only. */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  const deps = await getDeps();
  return handleModelArchiveDownload(deps, await callerFromApiKey(req, deps), id, req);
}

/** Any other method: 405 with Allow. */
const other = async (req: Request) => handleRest(req, await getDeps());
export { other as POST, other as PUT, other as PATCH, other as DELETE, other as OPTIONS };
