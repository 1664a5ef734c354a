import { getDeps } from "@/server/deps";
import { handleRest } from "@/server/routes/trpc";

export const dynamic = "force-dynamic";

const handler = async (req: Request) => handleRest(req, await getDeps());
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
