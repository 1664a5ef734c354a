/**
 * The /v1 route served over real HTTP for the official OpenAI SDKs (they need a base URL): a node:http server that
 * hands each request to the same `handleOpenAi` the Next.js route calls, streaming both ways.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { ApiDeps } from "@whetstone/api";
import type { ChatDeps } from "@whetstone/api/openai-compat";
import { handleOpenAi } from "../src/server/routes/openai";

export interface OpenAiTestServer {
  baseURL: string;
  close(): Promise<void>;
}

export async function startOpenAiServer(deps: ApiDeps, chat: ChatDeps): Promise<OpenAiTestServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const ac = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) ac.abort();
      });
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (Array.isArray(v)) for (const x of v) headers.append(k, x);
        else if (v !== undefined) headers.set(k, v);
      }
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method,
        headers,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
        signal: ac.signal,
        // @ts-expect-error Node's fetch needs it for a streamed body; the DOM types do not know it
        duplex: "half",
      });
      const response = await handleOpenAi(request, deps, chat);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
      }
      res.end();
    })().catch((err: unknown) => {
      console.error("[openai test server]", err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Support chats with varied wording (no near duplicates), `n` rows of OpenAI's chat format, one per line. */
export function chatJsonl(n: number, seed = 1): string {
  const words =
    "tent boots jacket stove lantern rope compass backpack sleeping bag kayak paddle helmet gloves socks map trail summit river canyon forest glacier desert harbor meadow bridge ridge valley cabin orchard lake island".split(
      " ",
    );
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = (k: number) => Array.from({ length: k }, () => words[Math.floor(rnd() * words.length)]).join(" ");
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      JSON.stringify({
        messages: [
          { role: "system", content: "You answer for an outdoor shop." },
          { role: "user", content: `Question ${i}: ${pick(9)}?` },
          { role: "assistant", content: `Answer ${i}: ${pick(12)}.` },
        ],
      }),
    );
  }
  return lines.join("\n") + "\n";
}
