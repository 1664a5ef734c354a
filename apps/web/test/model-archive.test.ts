/**
 * A job's model as one download, end to end: the runner's real train job writes a LoRA adapter and merged weights
 * of the tiny model into a local storage folder (gpu-runner/tests/tiny_job_artifacts.py); the real route handler
 * streams the archive from it; a FRESH Python process unpacks what was downloaded and loads it with transformers +
 * PEFT and generates (gpu-runner/tests/load_model_archive.py). Also: the sha256 (kept once computed, served on later
 * downloads, equal to the bytes'), the model card with the evaluation rendered in, the Modelfile, team scope.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderModelfile, type ApiDeps, type Caller } from "@whetstone/api";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { LocalStorage } from "@whetstone/storage";
import { handleModelArchiveChecksum, handleModelArchiveDownload } from "../src/server/routes/model-archive";

const run = promisify(execFile);
const runnerDir = fileURLToPath(new URL("../../../gpu-runner/", import.meta.url));
const python = join(runnerDir, ".venv/bin/python");

let db: TestDatabase;
let dir: string;
let deps: ApiDeps;
let alice: Caller;
let bob: Caller;
let jobId: string;
let tinyModel: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "wst-model-archive-"));
  const storageDir = join(dir, "storage");
  const { stdout } = await run(python, ["tests/tiny_job_artifacts.py", storageDir, join(dir, "work")], {
    cwd: runnerDir,
    maxBuffer: 16 * 1024 * 1024,
  });
  const out = JSON.parse(stdout.trim().split("\n").pop()!) as {
    tinyModel: string;
    jobId: string;
    artifacts: { kind: string; name: string; key: string; bytes: number; sha256: string }[];
  };
  tinyModel = out.tinyModel;
  jobId = out.jobId;
  deps = {
    prisma: db.prisma,
    storage: new LocalStorage(storageDir),
    config: { maxUploadBytes: 1 << 20 },
  } as unknown as ApiDeps;
  const p = db.prisma;
  const a = await p.user.create({ data: { email: "a@archive.test" } });
  const b = await p.user.create({ data: { email: "b@archive.test" } });
  const team = await p.team.create({
    data: { slug: "arch", name: "Arch", memberships: { create: { userId: a.id, role: "owner" } } },
  });
  await p.team.create({
    data: { slug: "other", name: "Other", memberships: { create: { userId: b.id, role: "owner" } } },
  });
  alice = { kind: "session", userId: a.id, isAdmin: false };
  bob = { kind: "session", userId: b.id, isAdmin: false };
  const base = await p.baseModel.create({ data: { name: "tiny-llama", source: "local", ref: tinyModel } });
  await p.fineTuneJob.create({
    data: {
      id: jobId,
      teamId: team.id,
      name: "Support bot",
      baseModelId: base.id,
      technique: "sft",
      method: "lora",
      hyperparameters: { loraR: 8 },
      validationSplit: 0.2,
      seed: 42,
      state: "succeeded",
      finishedAt: new Date("2026-01-02T03:04:05Z"),
    },
  });
  await p.artifact.createMany({
    data: out.artifacts.map((x) => ({
      jobId,
      kind: x.kind,
      name: x.name,
      key: x.key,
      bytes: BigInt(x.bytes),
      sha256: x.sha256,
    })),
  });
}, 600_000);

afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const req = (query = "") => new Request(`http://localhost/api/v1/jobs/${jobId}/archive${query}`);
const download = async (query = "", caller: Caller | null = alice) => {
  const res = await handleModelArchiveDownload(deps, caller, jobId, req(query));
  return { res, bytes: res.status === 200 ? Buffer.from(await res.arrayBuffer()) : null };
};
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** name → content of a tar's files (ustar, as the archive writes it). */
function untar(buf: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= buf.length;) {
    const h = buf.subarray(at, at + 512);
    if (h.every((x) => x === 0)) break;
    const name = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(h.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0", 8);
    files.set(name, buf.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

describe("the model archive", () => {
  it("streams the adapter folder as one tar whose sha256 is computed once and served from then on", async () => {
    const first = await download();
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get("content-type")).toBe("application/x-tar");
    expect(Number(first.res.headers.get("content-length"))).toBe(first.bytes!.length);
    expect(first.res.headers.get("content-disposition")).toMatch(/filename="support-bot-.*-adapter\.tar"/);
    expect(first.res.headers.get("x-content-sha256")).toBeNull(); // not known before the first full read
    const files = untar(first.bytes!);
    const folder = [...files.keys()][0]!;
    expect([...files.keys()].map((n) => n.slice(folder.length)).sort()).toEqual(
      expect.arrayContaining([
        "",
        "Modelfile",
        "README.md",
        "adapter_config.json",
        "adapter_model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "whetstone_config.json",
      ]),
    );
    const checksum = await handleModelArchiveChecksum(deps, alice, jobId, req());
    const body = (await checksum.json()) as { sha256: string; bytes: number; filename: string };
    expect(body).toMatchObject({ sha256: sha(first.bytes!), bytes: first.bytes!.length });
    const second = await download();
    expect(second.bytes!.equals(first.bytes!)).toBe(true); // byte-identical
    expect(second.res.headers.get("x-content-sha256")).toBe(sha(second.bytes!));
    expect(second.res.headers.get("repr-digest")).toBe(
      `sha-256=:${createHash("sha256").update(second.bytes!).digest("base64")}:`,
    );
    expect(second.res.headers.get("etag")).toBe(first.res.headers.get("etag"));
  });

  it(
    "loads in a fresh Python process with PEFT and transformers and generates (adapter and merged)",
    { timeout: 300_000 },
    async () => {
      for (const kind of ["adapter", "merged_model"]) {
        const { bytes } = await download(`?kind=${kind}`);
        const file = join(dir, `${kind}.tar`);
        await writeFile(file, bytes!);
        const { stdout } = await run(
          python,
          ["tests/load_model_archive.py", file, join(dir, `out-${kind}`), tinyModel],
          {
            cwd: runnerDir,
          },
        );
        const r = JSON.parse(stdout.trim().split("\n").pop()!) as {
          isPeft: boolean;
          newTokens: number;
          files: string[];
        };
        expect(r.isPeft).toBe(kind === "adapter");
        expect(r.newTokens).toBeGreaterThan(0);
        if (kind === "merged_model") expect(r.files).toContain("model.safetensors");
      }
    },
  );

  it("carries a model card with the evaluation rendered from the database, and a new ETag once it is there", async () => {
    const before = await download();
    const cardBefore = untar(before.bytes!);
    const readme = [...cardBefore.entries()].find(([n]) => n.endsWith("/README.md"))![1].toString();
    expect(readme).toContain("# Fine-tune of tiny-llama");
    expect(readme).toContain("| support-chat | chat | 48 | 1 |");
    expect(readme).toContain("No evaluation against the base has been run for this job.");
    const job = await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } });
    await db.prisma.evaluation.create({
      data: {
        teamId: job.teamId,
        name: "eval",
        technique: "sft",
        sourceJobId: jobId,
        splitKind: "test",
        settings: {},
        state: "succeeded",
        finishedAt: new Date("2026-01-03T00:00:00Z"),
        summary: {
          headline: "Support bot beats tiny-llama on token accuracy (+0.21)",
          base: "tiny-llama",
          warnings: [],
          comparisons: [
            {
              model: "Support bot",
              headline: "beats",
              metrics: [
                {
                  task: "support-chat",
                  label: "token accuracy",
                  base: 0.1,
                  candidate: 0.31,
                  delta: 0.21,
                  ciLow: 0.15,
                  ciHigh: 0.27,
                  verdict: "better",
                },
              ],
            },
          ],
        },
      },
    });
    const after = await download();
    expect(after.res.headers.get("etag")).not.toBe(before.res.headers.get("etag"));
    expect(after.res.headers.get("x-content-sha256")).toBeNull(); // a new archive: its checksum is not known yet
    const card = [...untar(after.bytes!).entries()].find(([n]) => n.endsWith("/README.md"))![1].toString();
    expect(card).toContain("**Support bot beats tiny-llama on token accuracy (+0.21)**");
    expect(card).toContain("| support-chat | token accuracy | 0.1 | 0.31 | 0.21 | [0.15, 0.27] | better |");
  });

  it("writes an Ollama Modelfile: the adapter on its base, the merged weights on their own", async () => {
    const modelfile = async (kind: string) =>
      [...untar((await download(`?kind=${kind}`)).bytes!).entries()]
        .find(([n]) => n.endsWith("/Modelfile"))![1]
        .toString();
    const adapter = await modelfile("adapter");
    expect(adapter).toContain(`\nFROM ${tinyModel}\nADAPTER .\n`);
    expect(adapter).toContain("ollama create <name> -f Modelfile");
    expect(await modelfile("merged_model")).toMatch(/\nFROM \.\n$/);
    const hub = renderModelfile({
      kind: "adapter",
      jobId: "j1",
      jobName: "Legal QA",
      base: { name: "Llama 3.2 1B", source: "huggingface", ref: "meta-llama/Llama-3.2-1B-Instruct", revision: null },
    });
    expect(hub).toContain("huggingface-cli download meta-llama/Llama-3.2-1B-Instruct --local-dir ./base");
    expect(hub.endsWith("FROM ./base\nADAPTER .\n")).toBe(true);
  });

  it("is team-scoped and says what is missing", async () => {
    expect((await download("", null)).res.status).toBe(401);
    expect((await download("", bob)).res.status).toBe(404);
    expect((await download("?kind=model")).res.status).toBe(404);
    const bad = await download("?kind=weights");
    expect(bad.res.status).toBe(400);
  });
});
