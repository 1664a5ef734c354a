import { getDeps } from "@/server/deps";
import { callerFromApiKey } from "@/server/caller";
import { handleRest } from "@/server/routes/trpc";
import { handleUpload, uploadParamsFromUrl } from "@/server/routes/upload";

export const dynamic = "force-dynamic";

/** Upload a new version of dataset {name}: the file is the raw request body. API key only. */
export async function POST(req: Request, ctx: { params: Promise<{ name: string }> }) {
  const { name } = await ctx.params;
  const deps = await getDeps();
  const caller = await callerFromApiKey(req, deps);
  return handleUpload(req, deps, caller, { ...uploadParamsFromUrl(req, decodeURIComponent(name)), teamSlug: null });
}

/** Any other method on this path belongs to the generated REST API. */
export async function GET(req: Request) {
  return handleRest(req, await getDeps());
}
