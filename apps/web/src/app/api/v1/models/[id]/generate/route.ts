import { callerFromApiKey } from "@/server/caller";
import { createSubscriber, getDeps, getInferenceQueue } from "@/server/deps";
import { handleGenerate } from "@/server/routes/generate";
import { handleRest } from "@/server/routes/rest";

export const dynamic = "force-dynamic";

/** Generate from model {id}: JSON body {messages, system?, task?, sampling?, stream?}. API key only. */
export async function POST(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  const deps = await getDeps();
  const caller = await callerFromApiKey(req, deps);
  return handleGenerate(req, deps, caller, id, null, {
    inferenceQueue: await getInferenceQueue(),
    createReader: createSubscriber,
  });
}

/** Any other method: 405 with Allow. */
const other = async (req: Request) => handleRest(req, await getDeps());
export { other as GET, other as HEAD, other as PUT, other as PATCH, other as DELETE, other as OPTIONS };
