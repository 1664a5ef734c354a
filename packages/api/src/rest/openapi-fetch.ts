/**
 * trpc-to-openapi's fetch adapter with its node-http handler built once, not per request.
 *
 * `createOpenApiFetchHandler` (trpc-to-openapi 3.3) calls `createOpenApiNodeHttpHandler` on every request, which walks
 * every procedure of the router and compiles one RegExp per OpenAPI path (~0.2–0.3 ms of CPU per request for appRouter
 * on the 2-core dev machine; outside production it also generates the whole OpenAPI document per request). This is the
 * same adapter — the same request proxy (parsed JSON body, URL without the endpoint prefix) and the same response —
 * over one node-http handler per process; what differs per request (context, errors) travels with the request.
 */
import { TRPCError } from "@trpc/server";
import { createOpenApiNodeHttpHandler } from "trpc-to-openapi";
import { procedureSuccessStatus } from "../openapi";
import { appRouter } from "../root";
import type { Context } from "../trpc";

interface PerRequest {
  createContext: () => Promise<Context>;
  onError: (error: TRPCError) => void;
}

/** What the node-http handler writes its answer to. */
interface NodeResponseLike {
  setHeader(key: string, value: string | string[]): void;
  statusCode: number;
  end(body: string | undefined): void;
}

const perRequest = new WeakMap<object, PerRequest>();
let nodeHandler: ReturnType<typeof createOpenApiNodeHttpHandler> | null = null;

function handler() {
  nodeHandler ??= createOpenApiNodeHttpHandler({
    router: appRouter,
    createContext: ({ req }: { req: object }) => perRequest.get(req)!.createContext(),
    responseMeta: ({ paths, errors }: { paths?: readonly string[]; errors: readonly unknown[] }) =>
      errors.length === 0 && paths?.length === 1 ? { status: procedureSuccessStatus(paths[0]!) } : {},
    onError: ({ error, req }: { error: TRPCError; req: object }) => perRequest.get(req)?.onError(error),
  } as unknown as Parameters<typeof createOpenApiNodeHttpHandler>[0]);
  return nodeHandler;
}

/** As trpc-to-openapi's fetch adapter: the body parsed once (JSON), the URL without `endpoint`. */
async function requestProxy(req: Request, url: string): Promise<Request> {
  let body: { ok: true; data: unknown } | { ok: false; cause: unknown };
  try {
    const type = req.headers.get("content-type") ?? "";
    body = { ok: true, data: type.includes("application/json") ? JSON.parse(await req.text()) : req.body };
  } catch (cause) {
    body = { ok: false, cause };
  }
  return new Proxy(req, {
    get(target, prop) {
      if (prop === "url") return url;
      if (prop === "body") {
        if (!body.ok) {
          // the adapter's own parse error (the REST layer answers bad JSON before it gets here)
          throw new TRPCError({ code: "PARSE_ERROR", message: "Failed to parse request body", cause: body.cause });
        }
        return body.data;
      }
      return Reflect.get(target, prop, target) as unknown;
    },
  });
}

/** Answers one request with the procedure its OpenAPI method and path name. */
export async function openApiFetch(opts: {
  endpoint: string;
  req: Request;
  createContext: () => Promise<Context>;
  onError: (error: TRPCError) => void;
}): Promise<Response> {
  const url = new URL(opts.req.url.replace(opts.endpoint, ""));
  const req = await requestProxy(opts.req, url.toString());
  perRequest.set(req, { createContext: opts.createContext, onError: opts.onError });
  const headers = new Headers();
  return new Promise<Response>((resolve, reject) => {
    let statusCode = 200;
    const res: NodeResponseLike = {
      setHeader(key: string, value: string | string[]) {
        if (typeof value === "string") headers.set(key, value);
        else for (const v of value) headers.append(key, v);
      },
      get statusCode() {
        return statusCode;
      },
      set statusCode(code: number) {
        statusCode = code;
      },
      end(body: string | undefined) {
        resolve(new Response(body, { headers, status: statusCode }));
      },
    };
    (handler() as unknown as (req: Request, res: NodeResponseLike) => Promise<void>)(req, res).catch(reject);
  });
}
