/**
 * A fine-tuned model as ONE download: the adapter (LoRA/QLoRA), the full model, or the merged weights of a job, as
 * an uncompressed tar of one folder that loads as it is — the weights, the tokenizer files beside them, README.md
 * (the model card, its evaluation section rendered now from the database), an Ollama `Modelfile` and the job's
 * training config (`whetstone_config.json`).
 *
 * Streamed: each file is read from blob storage as it is sent, never whole in memory. Deterministic: the same
 * files, card and job give the same bytes (./tar.ts), so the archive's sha256 is computed once — by the first full
 * download, or by GET …/archive/sha256, which reads it through without sending it — and kept in storage under a
 * digest of the archive's manifest (every entry's name, size and sha256). Later downloads carry it in
 * `x-content-sha256` and `Repr-Digest`; the manifest digest is the ETag. A new evaluation changes the card, hence
 * the manifest, hence the digest: a stale checksum is never served.
 */
import { createHash } from "node:crypto";
import type { PrismaClient } from "@whetstone/db";
import { STORAGE_LAYOUT, storageKey } from "@whetstone/queue";
import type { BlobStorage } from "@whetstone/storage";
import { AppError, notFound } from "../errors";
import { completeModelCard, fallbackModelCard, type CardEvaluation } from "./model-card";
import { renderModelfile } from "./modelfile";
import { tarHeader, tarPadding, tarSize, TAR_END } from "./tar";

export const ARCHIVE_KINDS = ["adapter", "model", "merged_model"] as const;
export type ArchiveKind = (typeof ARCHIVE_KINDS)[number];

export interface ArchiveEntry {
  /** Path in the archive; a directory ends with `/`. */
  name: string;
  size: number;
  sha256: string;
  /** Read from storage, or … */
  key?: string;
  /** … made here (the card, the Modelfile). */
  content?: Uint8Array;
}

export interface ModelArchive {
  jobId: string;
  kind: ArchiveKind;
  /** The download's file name, `<folder>.tar`. */
  filename: string;
  folder: string;
  bytes: number;
  /** Digest of the manifest (names, sizes, sha256 of every entry, the mtime): the ETag. */
  etag: string;
  mtime: number;
  entries: ArchiveEntry[];
  /** Where the archive's sha256 is kept once known. */
  checksumKey: string;
}

const MAX_CARD_BYTES = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 60);
}

async function readSmall(storage: BlobStorage, key: string): Promise<string | null> {
  const info = await storage.stat(key);
  if (!info || info.bytes > MAX_CARD_BYTES) return null;
  const parts: Buffer[] = [];
  for await (const c of await storage.get(key)) parts.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(parts).toString("utf8");
}

/** The model a job's base descends from: an earlier job's output is followed to the Hub or local model it started from. */
async function rootBase(prisma: PrismaClient, id: string) {
  for (let depth = 0; ; depth++) {
    const m = await prisma.baseModel.findUniqueOrThrow({
      where: { id },
      select: { id: true, name: true, source: true, ref: true, revision: true, parentId: true },
    });
    if (m.source !== "artifact" || !m.parentId || depth > 20) return m;
    id = m.parentId;
  }
}

/**
 * What the archive of `kind` (default: the adapter, else the full model) of job `jobId` in team `teamId` holds.
 * 404 for a job of another team or without such weights (merged weights: `mergeWeights` at training time, or
 * POST /jobs/{id}/merge afterwards).
 */
export async function planModelArchive(
  deps: { prisma: PrismaClient; storage: BlobStorage },
  teamId: string,
  jobId: string,
  kind?: string | null,
): Promise<ModelArchive> {
  if (kind && !(ARCHIVE_KINDS as readonly string[]).includes(kind)) {
    throw new AppError("BAD_REQUEST", `kind: one of ${ARCHIVE_KINDS.join(", ")}`, { field: "kind" });
  }
  const job = await deps.prisma.fineTuneJob.findFirst({
    where: { id: jobId, teamId },
    include: {
      artifacts: { orderBy: { name: "asc" } },
      baseModel: { select: { id: true, name: true, ref: true } },
      datasets: { include: { datasetVersion: { include: { dataset: { select: { name: true } } } } } },
    },
  });
  if (!job) throw notFound(`job "${jobId}"`);
  const has = (k: string) => job.artifacts.some((a) => a.kind === k);
  const chosen = (kind ?? (has("adapter") ? "adapter" : "model")) as ArchiveKind;
  if (!has(chosen)) {
    const what = chosen === "merged_model" ? "merged weights" : chosen === "adapter" ? "adapter" : "full model";
    const hint =
      chosen === "merged_model" && has("adapter")
        ? ": ask for them with POST /api/v1/jobs/{id}/merge (the job page's Merge weights), train with mergeWeights, " +
          "or merge the adapter archive locally (see its README.md)"
        : job.state === "succeeded"
          ? ""
          : ` (the job is ${job.state}; its model is written when it succeeds)`;
    throw new AppError("NOT_FOUND", `job "${jobId}" has no ${what}${hint}`, { field: "kind" });
  }

  const folder = `${slug(job.name) || "model"}-${job.id.slice(-8)}-${chosen === "merged_model" ? "merged" : chosen}`;
  const mtime = Math.floor((job.finishedAt ?? job.createdAt).getTime() / 1000);
  const files = new Map<string, ArchiveEntry>();
  const add = (name: string, e: Omit<ArchiveEntry, "name">) => {
    if (!files.has(name)) files.set(name, { name: `${folder}/${name}`, ...e });
  };
  let card: string | null = null;
  for (const a of job.artifacts.filter((x) => x.kind === chosen)) {
    if (a.name === "README.md") card = await readSmall(deps.storage, a.key);
    else add(a.name, { size: Number(a.bytes), sha256: a.sha256, key: a.key });
  }
  for (const a of job.artifacts.filter((x) => x.kind === "tokenizer")) {
    add(a.name, { size: Number(a.bytes), sha256: a.sha256, key: a.key });
  }
  const config = job.artifacts.find((a) => a.kind === "config");
  if (config) add("whetstone_config.json", { size: Number(config.bytes), sha256: config.sha256, key: config.key });

  const evaluations = await deps.prisma.evaluation.findMany({
    where: { sourceJobId: job.id },
    orderBy: { createdAt: "desc" },
    select: { id: true, state: true, finishedAt: true, summary: true },
  });
  const evaluation = (evaluations.find((e) => e.state === "succeeded") ??
    evaluations[0] ??
    null) as CardEvaluation | null;
  const cardText = completeModelCard(
    card ??
      fallbackModelCard({
        id: job.id,
        name: job.name,
        technique: job.technique,
        method: job.method,
        baseModel: job.baseModel,
        hyperparameters: job.hyperparameters,
        datasets: job.datasets.map((d) => ({
          name: d.datasetVersion.dataset.name,
          version: d.datasetVersion.version,
          format: d.datasetVersion.format,
          rows: d.datasetVersion.rowCount,
        })),
      }),
    evaluation,
  );
  const made = (name: string, text: string) => {
    const content = new TextEncoder().encode(text);
    files.set(name, { name: `${folder}/${name}`, size: content.length, sha256: sha256(content), content });
  };
  made("README.md", cardText);
  if (job.technique !== "classification") {
    const base = await rootBase(deps.prisma, job.baseModelId);
    made("Modelfile", renderModelfile({ kind: chosen, jobId: job.id, jobName: job.name, base }));
  }

  const entries: ArchiveEntry[] = [
    { name: `${folder}/`, size: 0, sha256: "" },
    ...[...files.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  ];
  const manifest = JSON.stringify({ v: 1, mtime, entries: entries.map((e) => [e.name, e.size, e.sha256]) });
  const etag = sha256(new TextEncoder().encode(manifest)).slice(0, 32);
  return {
    jobId: job.id,
    kind: chosen,
    filename: `${folder}.tar`,
    folder,
    bytes: tarSize(entries),
    etag,
    mtime,
    entries,
    checksumKey: `${storageKey(STORAGE_LAYOUT.jobOutput, { jobId: job.id })}archive-checksums/${chosen}-${etag}.sha256`,
  };
}

/** The archive's bytes, file by file from storage. A stored file whose size differs from its artifact row fails. */
export async function* streamModelArchive(storage: BlobStorage, a: ModelArchive): AsyncGenerator<Uint8Array> {
  for (const e of a.entries) {
    yield tarHeader(e, a.mtime);
    if (e.name.endsWith("/")) continue;
    if (e.content) yield e.content;
    else {
      let n = 0;
      for await (const chunk of await storage.get(e.key!)) {
        const c = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Uint8Array);
        n += c.length;
        yield c;
      }
      if (n !== e.size) throw new Error(`${e.name}: storage holds ${n} bytes, the artifact row says ${e.size}`);
    }
    yield tarPadding(e.size);
  }
  yield TAR_END;
}

/** The archive's sha256 (hex) when a full download or an earlier request computed it, else null. */
export async function storedArchiveChecksum(storage: BlobStorage, a: ModelArchive): Promise<string | null> {
  const text = await readSmall(storage, a.checksumKey).catch(() => null);
  return text && /^[0-9a-f]{64}$/.test(text.trim()) ? text.trim() : null;
}

export async function saveArchiveChecksum(storage: BlobStorage, a: ModelArchive, hex: string): Promise<void> {
  await storage.put(
    a.checksumKey,
    (async function* () {
      yield Buffer.from(hex);
    })(),
  );
}

/** The archive's sha256: the kept one, or computed now by reading the archive through (then kept). */
export async function archiveChecksum(storage: BlobStorage, a: ModelArchive): Promise<string> {
  const known = await storedArchiveChecksum(storage, a);
  if (known) return known;
  const h = createHash("sha256");
  for await (const c of streamModelArchive(storage, a)) h.update(c);
  const hex = h.digest("hex");
  await saveArchiveChecksum(storage, a, hex);
  return hex;
}
