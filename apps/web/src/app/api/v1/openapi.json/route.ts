import { getDeps } from "@/server/deps";
import { openApiDocument } from "@/server/routes/openapi";
import { handleRest } from "@/server/routes/rest";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  return Response.json(openApiDocument(new URL("/api/v1", req.url).toString()));
}

/** Any other method: 405 with Allow. */
const other = async (req: Request) => handleRest(req, await getDeps());
export { other as POST, other as PUT, other as PATCH, other as DELETE, other as OPTIONS };
