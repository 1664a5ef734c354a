import { getDeps } from "@/server/deps";
import { handleTrpc } from "@/server/routes/trpc";
import { readSession } from "@/server/session";

export const dynamic = "force-dynamic";

const handler = async (req: Request) => handleTrpc(req, await getDeps(), readSession);
export { handler as GET, handler as POST };
