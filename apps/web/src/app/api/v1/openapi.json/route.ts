import { openApiDocument } from "@/server/routes/openapi";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  return Response.json(openApiDocument(new URL("/api/v1", req.url).toString()));
}
