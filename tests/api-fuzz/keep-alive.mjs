#!/usr/bin/env node
// Against the real server: an upload refused before its body is read (bad key; declared too large) must answer its
// error, and the next request on the same keep-alive connection must be served, not reset.
// Usage: node tests/api-fuzz/keep-alive.mjs <base url> <api key>
import http from "node:http";

const [base, key] = process.argv.slice(2);
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const send = (method, path, headers = {}, body) =>
  new Promise((resolve) => {
    const r = http.request({ host: url.hostname, port: url.port, method, path, agent, headers }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, text }));
    });
    r.on("error", (e) => resolve({ status: 0, text: String(e.code ?? e.message) }));
    r.end(body);
  });

const failures = [];
const cases = [
  ["bad key, 64 KiB body", { authorization: "Bearer wst_nope" }, Buffer.alloc(64 * 1024, "a"), [401]],
  ["bad key, 8 MiB body", { authorization: "Bearer wst_nope" }, Buffer.alloc(8 << 20, "a"), [401]],
  // refused at its first line (or at MAX_UPLOAD_BYTES, where that is lower), the rest unread
  [
    "bad first line, 4 MiB body",
    { authorization: `Bearer ${key}` },
    Buffer.from("not json\n".repeat(466_034)),
    [400, 413],
  ],
  ["405 with a body", { authorization: `Bearer ${key}` }, Buffer.alloc(256 * 1024, "a"), [405], "PUT"],
];
for (const [what, headers, body, want, method = "POST"] of cases) {
  const refused = await send(
    method,
    "/api/v1/datasets/keep-alive/versions?filename=x.jsonl",
    {
      ...headers,
      "content-length": body.length,
    },
    body,
  );
  const next = await send("GET", "/api/v1/health");
  const ok = want.includes(refused.status) && next.status === 200;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}: ${refused.status} then ${next.status} ${ok ? "" : next.text}`);
  if (!ok) failures.push(what);
}
agent.destroy();
process.exit(failures.length ? 1 : 0);
