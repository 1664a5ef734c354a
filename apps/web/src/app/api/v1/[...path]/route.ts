import { getDeps } from "@/server/deps";
import { handleRest } from "@/server/routes/rest";

export const dynamic = "force-dynamic";

const handler = async (req: Request) => handleRest(req, await getDeps());
export {
  handler as GET,
  handler as HEAD,
  handler as POST,
  handler as PUT,
  handler as PATCH,
  handler as DELETE,
  handler as OPTIONS,
};
