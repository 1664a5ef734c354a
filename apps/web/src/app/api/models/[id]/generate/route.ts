import { resolveCaller } from "@/server/caller";
import { createSubscriber, getDeps, getInferenceQueue } from "@/server/deps";
import { handleGenerate } from "@/server/routes/generate";
import { readSession } from "@/server/session";

export const dynamic = "force-dynamic";

/** The playground's generate: session + x-whetstone-team (or an API key), same handler as the REST route. */
export async function POST(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  const deps = await getDeps();
  const caller = await resolveCaller(req, deps, readSession);
  return handleGenerate(req, deps, caller, decodeURIComponent(id), req.headers.get("x-whetstone-team"), {
    inferenceQueue: await getInferenceQueue(),
    createReader: createSubscriber,
  });
}
