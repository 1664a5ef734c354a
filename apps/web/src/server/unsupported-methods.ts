/**
 * Route handlers only ever see the seven methods Next knows (GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE). Any
 * other method Node's parser accepts fails before our code: TRACE and TRACK because the fetch standard refuses them
 * (`new Request(url, { method: "TRACE" })` throws, and Next answers 500 with an HTML page), QUERY, PROPFIND and
 * the rest because Next answers them 400. The first code that sees them is the Node HTTP server's `request` event;
 * this wraps it (once, from instrumentation.ts) so those methods get the API's 405 with `Allow` in the one error
 * shape, and every other request goes to Next untouched. (CONNECT is no request at all: Node emits `connect`.)
 */
import http from "node:http";
import { restError } from "@whetstone/api";

const NEXT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]);
const WRAPPED = Symbol.for("whetstone.unsupportedMethods");
const ANY_ROUTE = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** `allowedFor(pathname)`: the methods a path serves (the REST route table under /api/v1), null when none. */
export function answerMethodsNextCannotRoute(allowedFor: (pathname: string) => string[] | null): void {
  const proto = http.Server.prototype as http.Server & { [WRAPPED]?: boolean };
  if (proto[WRAPPED]) return;
  proto[WRAPPED] = true;
  const emit = proto.emit;
  proto.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
    if (event !== "request" || NEXT_METHODS.has(req.method ?? "GET")) {
      return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
    }
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const allowed = (pathname.startsWith("/api/v1/") && allowedFor(pathname.slice("/api/v1".length))) || ANY_ROUTE;
    const allow = allowed.join(", ");
    const answer = restError(
      "METHOD_NOT_SUPPORTED",
      `${req.method} is not supported on ${pathname}; allowed: ${allow}`,
      { allowed },
      { headers: { allow, connection: "close" } },
    );
    req.resume(); // a body, if any, is read and dropped
    void answer.arrayBuffer().then((body) => {
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(body));
    });
    return true;
  } as typeof proto.emit;
}
