import { getDeps } from "@/server/deps";
import { callerFromApiKey } from "@/server/caller";
import { handleRest } from "@/server/routes/rest";
import { handleUpload, uploadParamsFromUrl } from "@/server/routes/upload";

export const dynamic = "force-dynamic";

/**
 * Upload a new version of dataset {name}: the file is the raw request body or the file part of a
 * multipart/form-data body. API key only.
 */
export async function POST(req: Request, ctx: { params: Promise<{ name: string }> }) {
  const { name } = await ctx.params;
  const deps = await getDeps();
  const caller = await callerFromApiKey(req, deps);
  return handleUpload(req, deps, caller, { ...uploadParamsFromUrl(req, name), teamSlug: null });
}

/** Any other method: the REST API's answer for a method this path does not serve (405 with Allow). */
const other = async (req: Request) => handleRest(req, await getDeps());
export { other as GET, other as HEAD, other as PUT, other as PATCH, other as DELETE, other as OPTIONS };
