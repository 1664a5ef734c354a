/**
 * The OpenAI-compatible API under /v1 (decision 0010): point an official SDK's `base_url` at `http://host/v1`, give
 * it a Whetstone API key, and `files`, `fine_tuning.jobs` (with events and checkpoints), `models` and
 * `chat.completions` work unchanged. Every call runs in the key's team, like the REST API; errors are in OpenAI's
 * shape. This file routes and authenticates; one file per resource maps to Whetstone's domain functions.
 */
import type { ApiDeps, Caller } from "../trpc";
import { authenticateApiKey } from "../auth/authenticate-api-key";
import { createChatCompletion, type ChatDeps } from "./chat-completions";
import { listFineTuningJobCheckpoints } from "./checkpoints";
import { invalidRequest, OpenAiError, openAiErrorResponse } from "./errors";
import { createFile, deleteFile, fileContent, listFiles, retrieveFile, type UploadedFile } from "./files";
import {
  cancelFineTuningJob,
  createFineTuningJob,
  listFineTuningJobs,
  pauseFineTuningJob,
  resumeFineTuningJob,
  retrieveFineTuningJob,
} from "./fine-tuning-jobs";
import { listFineTuningJobEvents } from "./job-events";
import { listModels, retrieveModel, type OpenAiTeam } from "./models";
import { parseLimit, parseMetadataQuery } from "./parse";

/** The file part of a multipart/form-data request, streamed (the app provides the parser: busboy in apps/web). */
export interface MultipartUpload {
  file: AsyncIterable<Uint8Array>;
  filename: string | null;
  /** Text fields sent before the file part. */
  fields: Record<string, string>;
  /** Every text field, once the whole body has been read (the file must be read first). */
  allFields: () => Promise<Record<string, string>>;
  /** Stops reading the body (after an error). */
  abort: () => void;
}

export interface OpenAiHandlerOptions {
  deps: ApiDeps;
  chat: ChatDeps;
  readMultipart: (req: Request) => Promise<MultipartUpload>;
  /** The path the API is served under (`/v1`). */
  prefix?: string;
  log?: (message: string, err: unknown) => void;
}

/** Largest JSON body accepted (a chat with a long history fits; a dataset goes through /files). */
export const MAX_OPENAI_JSON_BYTES = 4 * 1024 * 1024;

interface Ctx {
  req: Request;
  url: URL;
  o: OpenAiHandlerOptions;
  team: OpenAiTeam;
  caller: Extract<Caller, { kind: "apiKey" }>;
  params: string[];
}

type Handler = (ctx: Ctx) => Promise<Response>;

const json = (value: unknown, status = 200) =>
  Response.json(value, { status, headers: { "cache-control": "no-store" } });

async function readJson(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > MAX_OPENAI_JSON_BYTES) {
    throw new OpenAiError(413, `the request body is larger than ${MAX_OPENAI_JSON_BYTES} bytes`);
  }
  const text = await req.text();
  if (text.length > MAX_OPENAI_JSON_BYTES) {
    throw new OpenAiError(413, `the request body is larger than ${MAX_OPENAI_JSON_BYTES} bytes`);
  }
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      null,
      "invalid_json",
    );
  }
}

function requireWrite(ctx: Ctx): void {
  if (ctx.caller.role === "viewer") {
    throw new OpenAiError(
      403,
      "This API key has the viewer role: it can read but not create, change or delete anything.",
      "invalid_request_error",
      null,
      "insufficient_permissions",
    );
  }
}

const actor = (ctx: Ctx) => ({ team: ctx.team, userId: ctx.caller.userId });
const q = (ctx: Ctx) => ctx.url.searchParams;

const uploadFile: Handler = async (ctx) => {
  requireWrite(ctx);
  if (!/^multipart\/form-data\s*;/i.test(ctx.req.headers.get("content-type") ?? "")) {
    throw invalidRequest("Expected a multipart/form-data body with the fields 'file' and 'purpose'.", "file");
  }
  const part = await ctx.o.readMultipart(ctx.req);
  const upload: UploadedFile = {
    body: part.file,
    filename: part.filename ?? part.fields.filename ?? null,
    ...(part.fields.purpose !== undefined ? { purpose: part.fields.purpose } : {}),
    rest: part.allFields,
  };
  try {
    return json(await createFile(ctx.o.deps, actor(ctx), upload));
  } catch (err) {
    part.abort();
    throw err;
  }
};

const ROUTES: [method: string, pattern: RegExp, handler: Handler][] = [
  ["POST", /^\/files$/, uploadFile],
  [
    "GET",
    /^\/files$/,
    async (ctx) => {
      const order = q(ctx).get("order") ?? "desc";
      if (order !== "asc" && order !== "desc") throw invalidRequest("order: 'asc' or 'desc'", "order");
      return json(
        await listFiles(ctx.o.deps.prisma, ctx.team, {
          after: q(ctx).get("after"),
          limit: parseLimit(q(ctx), 10_000, 10_000),
          order,
          purpose: q(ctx).get("purpose"),
        }),
      );
    },
  ],
  ["GET", /^\/files\/([^/]+)$/, async (ctx) => json(await retrieveFile(ctx.o.deps.prisma, ctx.team, ctx.params[0]!))],
  [
    "DELETE",
    /^\/files\/([^/]+)$/,
    async (ctx) => {
      requireWrite(ctx);
      return json(await deleteFile(ctx.o.deps, actor(ctx), ctx.params[0]!));
    },
  ],
  [
    "GET",
    /^\/files\/([^/]+)\/content$/,
    async (ctx) => {
      const c = await fileContent(ctx.o.deps, ctx.team, ctx.params[0]!);
      return new Response(c.body, {
        headers: {
          "content-type": c.contentType,
          "content-disposition": `attachment; filename="${c.filename.replace(/["\\\r\n]/g, "_")}"`,
          "cache-control": "no-store",
        },
      });
    },
  ],
  [
    "POST",
    /^\/fine_tuning\/jobs$/,
    async (ctx) => {
      requireWrite(ctx);
      return json(await createFineTuningJob(ctx.o.deps, actor(ctx), await readJson(ctx.req)));
    },
  ],
  [
    "GET",
    /^\/fine_tuning\/jobs$/,
    async (ctx) =>
      json(
        await listFineTuningJobs(ctx.o.deps.prisma, ctx.team, {
          after: q(ctx).get("after"),
          limit: parseLimit(q(ctx)),
          metadata: parseMetadataQuery(q(ctx)),
        }),
      ),
  ],
  [
    "GET",
    /^\/fine_tuning\/jobs\/([^/]+)$/,
    async (ctx) => json(await retrieveFineTuningJob(ctx.o.deps.prisma, ctx.team, ctx.params[0]!)),
  ],
  [
    "POST",
    /^\/fine_tuning\/jobs\/([^/]+)\/(cancel|pause|resume)$/,
    async (ctx) => {
      requireWrite(ctx);
      const action = { cancel: cancelFineTuningJob, pause: pauseFineTuningJob, resume: resumeFineTuningJob }[
        ctx.params[1] as "cancel" | "pause" | "resume"
      ];
      return json(await action(ctx.o.deps, actor(ctx), ctx.params[0]!));
    },
  ],
  [
    "GET",
    /^\/fine_tuning\/jobs\/([^/]+)\/events$/,
    async (ctx) =>
      json(
        await listFineTuningJobEvents(ctx.o.deps.prisma, ctx.team, ctx.params[0]!, {
          after: q(ctx).get("after"),
          limit: parseLimit(q(ctx)),
        }),
      ),
  ],
  [
    "GET",
    /^\/fine_tuning\/jobs\/([^/]+)\/checkpoints$/,
    async (ctx) =>
      json(
        await listFineTuningJobCheckpoints(ctx.o.deps.prisma, ctx.team, ctx.params[0]!, {
          after: q(ctx).get("after"),
          limit: parseLimit(q(ctx), 10),
        }),
      ),
  ],
  ["GET", /^\/models$/, async (ctx) => json(await listModels(ctx.o.deps.prisma, ctx.team))],
  ["GET", /^\/models\/(.+)$/, async (ctx) => json(await retrieveModel(ctx.o.deps.prisma, ctx.team, ctx.params[0]!))],
  [
    "POST",
    /^\/chat\/completions$/,
    async (ctx) => createChatCompletion(ctx.req, ctx.o.deps, ctx.o.chat, ctx.team, await readJson(ctx.req)),
  ],
];

function bearer(req: Request): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "");
  return m?.[1] ?? null;
}

const masked = (key: string) => (key.length > 12 ? `${key.slice(0, 8)}…${key.slice(-4)}` : "…");

export async function handleOpenAiRequest(req: Request, o: OpenAiHandlerOptions): Promise<Response> {
  const prefix = o.prefix ?? "/v1";
  const url = new URL(req.url);
  const at = url.pathname.indexOf(prefix);
  const path = at >= 0 ? url.pathname.slice(at + prefix.length).replace(/\/+$/, "") : url.pathname;
  try {
    const candidates = ROUTES.filter(([, pattern]) => pattern.test(path));
    const route = candidates.find(([method]) => method === req.method);
    if (!route) {
      throw new OpenAiError(
        candidates.length ? 405 : 404,
        `Invalid URL (${req.method} ${prefix}${path})`,
        "invalid_request_error",
      );
    }
    const token = bearer(req);
    if (!token) {
      throw new OpenAiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). Create one in Whetstone under Settings → API keys.",
      );
    }
    const caller = await authenticateApiKey(o.deps.prisma, token, o.deps.redis); // cached, revocations at once
    if (!caller) {
      throw new OpenAiError(
        401,
        `Incorrect API key provided: ${masked(token)}. Create a key in Whetstone under Settings → API keys.`,
        "invalid_request_error",
        null,
        "invalid_api_key",
      );
    }
    const team = await o.deps.prisma.team.findUnique({
      where: { id: caller.teamId },
      select: { id: true, slug: true },
    });
    if (!team)
      throw new OpenAiError(
        401,
        "the API key's team no longer exists",
        "invalid_request_error",
        null,
        "invalid_api_key",
      );
    const [, , handler] = route;
    const params = (route[1].exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
    return await handler({ req, url, o, team, caller, params });
  } catch (err) {
    return openAiErrorResponse(err, o.log);
  }
}
