import { getDeps } from "@/server/deps";
import { resolveCaller } from "@/server/caller";
import { handleUpload, uploadParamsFromUrl } from "@/server/routes/upload";
import { readSession } from "@/server/session";

export const dynamic = "force-dynamic";

/** Dashboard upload: POST /api/uploads?team=<slug>&name=<dataset>&filename=<file>, the file as the body. */
export async function POST(req: Request) {
  const deps = await getDeps();
  const caller = await resolveCaller(req, deps, readSession);
  return handleUpload(req, deps, caller, uploadParamsFromUrl(req, null));
}
