/**
 * Refusing a request before its body is read (bad key, wrong content type, too large) without breaking the
 * client's keep-alive connection. A server that answers and leaves the body unread has two honest choices: read
 * and discard the rest, so the next request on the connection starts at a request line, or say `Connection: close`
 * and close the connection after the answer, so the client opens a new one. A small body is drained (cheap, keeps
 * the connection); a large or endless one is not read — that would hand the refused client our bandwidth — and
 * the connection is closed instead.
 */

/** Bodies up to this many bytes are read and dropped after a refusal; longer ones close the connection. */
export const DRAIN_LIMIT_BYTES = 1024 * 1024;
/** …and only for this long: a client trickling a body is not waited for. */
const DRAIN_TIMEOUT_MS = 2_000;

/** Reads and drops the rest of `req`'s body, up to `limit` bytes; true when it was read to its end. */
export async function drainBody(req: Request, limit = DRAIN_LIMIT_BYTES): Promise<boolean> {
  if (!req.body || req.bodyUsed) return true;
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return false;
  const reader = req.body.getReader();
  let read = 0;
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), DRAIN_TIMEOUT_MS).unref());
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === "timeout") return false;
      if (next.done) return true;
      read += next.value.byteLength;
      if (read > limit) return false;
    }
  } catch {
    return false;
  } finally {
    reader.releaseLock();
  }
}

/** `res` with `Connection: close` added (the server closes the connection once the answer is sent). */
export function withConnectionClose(res: Response): Response {
  const headers = new Headers(res.headers);
  headers.set("connection", "close");
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * The answer to a request refused before its body was read: the body is drained when it is small, otherwise the
 * answer says `Connection: close`. Either way the client reads the error, and its next request is not reset.
 */
export async function refuseUnread(req: Request, res: Response): Promise<Response> {
  return (await drainBody(req)) ? res : withConnectionClose(res);
}
