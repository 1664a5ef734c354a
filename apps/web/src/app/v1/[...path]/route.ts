import { createSubscriber, getDeps, getInferenceQueue } from "@/server/deps";
import { handleOpenAi } from "@/server/routes/openai";

export const dynamic = "force-dynamic";

/** The OpenAI-compatible API: `base_url="http://<host>/v1"` in the official SDKs (README, decision 0010). */
const handler = async (req: Request) =>
  handleOpenAi(req, await getDeps(), { inferenceQueue: await getInferenceQueue(), createReader: createSubscriber });

export { handler as GET, handler as POST, handler as DELETE, handler as PUT, handler as PATCH };
