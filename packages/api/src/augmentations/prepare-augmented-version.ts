/**
 * The dataset version of a succeeded augmentation: the source's rows (in order, as JSONL) followed by the new rows the
 * runner wrote, less those that are near duplicates (at the readiness default threshold) of a row already in the
 * version — the same MinHash/LSH as the readiness checks. One streamed pass over the source, straight into
 * storeDataset, which profiles it and checks its readiness; the version records what was added (AugmentedDerivation).
 *
 * Two halves, so that the version exists the moment the runner's success does (decision 0009): apps/worker prepares
 * the blob before the event's transaction (no I/O inside it, as for other successes: prefetch-blobs.ts), the success
 * writes the version row in that transaction (augment-work.ts), and settlePreparedAugmentation deletes a blob no row
 * took (a duplicate or ignored event). A crash in between leaves a blob under `datasets/` that no version points to,
 * which the storage sweeper removes.
 */
import { createHash } from "node:crypto";
import {
  bandKeys,
  DatasetParser,
  DEFAULT_NEAR_DUPLICATE_THRESHOLD,
  fingerprint,
  LSH_BANDS,
  LshIndex,
  MINHASH_BINS,
  MinHasher,
  NEAR_DUPLICATE_TRACKING_LIMIT,
  rowView,
  type AugmentedDerivation,
  type DatasetFormat,
  type DatasetRecord,
} from "@whetstone/core";
import type { PrismaClient } from "@whetstone/db";
import { PROVENANCE_FIELD, type RunnerEvent } from "@whetstone/queue";
import type { BlobStorage } from "@whetstone/storage";
import { storeDataset, type StoredDataset } from "../datasets/ingest-dataset";
import { AppError } from "../errors";
import { openVersionFile } from "../datasets/version-file";
import { readBytes } from "../evaluations/get-evaluation";

/** What the success of augmentation `augmentationId` makes: the stored version, or why it cannot be made. */
export type PreparedAugmentation = { augmentationId: string } & (
  { stored: StoredDataset; failure?: undefined } | { stored?: undefined; failure: string }
);

const FINAL = new Set(["succeeded", "failed", "cancelled"]);

/** Signs rows (their trainable text, the system prompt left out) and answers "seen one like it before?". */
class Seen {
  private readonly hasher = new MinHasher();
  private readonly keys = new Uint32Array(LSH_BANDS);
  private readonly fp = new Uint8Array(MINHASH_BINS);
  private readonly index = new LshIndex(NEAR_DUPLICATE_TRACKING_LIMIT);
  constructor(private readonly format: DatasetFormat) {}
  /** True when the row is new (and remembers it); false for a near duplicate of a remembered row. */
  add(r: DatasetRecord): boolean {
    const v = rowView(this.format, r);
    const texts = v.fields.filter((f, i) => !(i === 0 && v.system !== null)).map((f) => f.text);
    if (!this.hasher.sign(texts)) return false;
    bandKeys(this.hasher.sig, this.keys);
    fingerprint(this.hasher.sig, this.fp);
    if (this.index.query(this.keys, this.fp, DEFAULT_NEAR_DUPLICATE_THRESHOLD)) return false;
    this.index.remember(this.keys, this.fp);
    return true;
  }
}

/**
 * Before the transaction of an augmentation's `succeeded` event: stores the new version's file (nothing for another
 * event, or for an augmentation already final — the event will be ignored). Bad rows are a failure to record, not an
 * error; storage being unreachable throws (the event is retried).
 */
export async function prepareAugmentedVersion(
  deps: { prisma: PrismaClient; storage: BlobStorage },
  event: RunnerEvent,
): Promise<PreparedAugmentation | undefined> {
  if (event.type !== "state" || event.kind !== "augment" || event.state !== "succeeded") return undefined;
  const { prisma } = deps;
  const id = event.jobId;
  const a = await prisma.augmentation.findUnique({ where: { id } });
  if (!a || FINAL.has(a.state)) return undefined;
  const artifact = event.artifacts.find((x) => x.kind === "augmented_rows");
  if (!artifact) return undefined; // the success is refused for it (augment-work.ts)
  const failed = (failure: string): PreparedAugmentation => ({ augmentationId: id, failure });
  const v = await prisma.datasetVersion.findUnique({
    where: { id: a.sourceVersionId },
    include: { dataset: { select: { name: true, teamId: true } } },
  });
  if (!v) return failed("its source dataset version was deleted");
  if (!(await deps.storage.stat(artifact.key))) return failed(`its augmented rows ${artifact.key} are not in storage`);
  const bytes = Buffer.from(await readBytes(deps.storage, artifact.key));
  if (createHash("sha256").update(bytes).digest("hex") !== artifact.sha256) {
    return failed(`its augmented rows ${artifact.key} do not match the sha256 it reported`);
  }
  const made: DatasetRecord[] = [];
  for (const [i, line] of bytes.toString("utf8").split("\n").entries()) {
    if (!line.trim()) continue;
    try {
      made.push(JSON.parse(line) as DatasetRecord);
    } catch {
      return failed(`line ${i + 1} of its augmented rows is not JSON`);
    }
  }
  const format = v.format as DatasetFormat;
  const seen = new Seen(format);
  const derivation: AugmentedDerivation = {
    kind: "augmented",
    sourceVersionId: v.id,
    sourceVersion: v.version,
    augmentationId: a.id,
    method: a.method,
    rowsBefore: v.rowCount,
    added: {},
    droppedNearDuplicates: 0,
    rowsAfter: 0,
  };
  async function* body(): AsyncGenerator<Uint8Array> {
    let out: string[] = [];
    const parser = new DatasetParser({
      filename: v!.filename,
      readiness: false,
      onRecord: (r) => {
        seen.add(r);
        out.push(JSON.stringify(r));
        derivation.rowsAfter++;
      },
    });
    for await (const c of await openVersionFile(deps.storage, v!)) {
      parser.push(c as Uint8Array);
      if (out.length >= 256) {
        yield Buffer.from(`${out.join("\n")}\n`);
        out = [];
      }
    }
    parser.end();
    for (const r of made) {
      const how = (r[PROVENANCE_FIELD] as { method?: string } | undefined)?.method ?? "unknown";
      if (!seen.add(r)) {
        derivation.droppedNearDuplicates++;
        continue;
      }
      derivation.added[how] = (derivation.added[how] ?? 0) + 1;
      derivation.rowsAfter++;
      out.push(JSON.stringify(r));
    }
    if (out.length) yield Buffer.from(`${out.join("\n")}\n`);
  }
  const stem = v.filename.replace(/\.(jsonl|json|csv|tsv|txt)$/i, "");
  try {
    const stored = await storeDataset(
      // The source passed the upload limit; the new version is the source plus the runner's rows.
      { storage: deps.storage, config: { maxUploadBytes: Number(v.bytes) * 2 + bytes.length + (1 << 20) } },
      {
        teamId: v.dataset.teamId,
        userId: a.createdById ?? "",
        datasetName: v.dataset.name,
        filename: `${stem}.augmented.jsonl`,
        body: body(),
        declaredFormat: format,
        derivedFrom: { parentVersionId: v.id, derivation },
      },
    );
    return { augmentationId: id, stored };
  } catch (err) {
    if (err instanceof AppError) return failed(`the new rows could not become a version: ${err.message}`);
    throw err;
  }
}

/**
 * After the transaction (committed or not): a prepared file no version row took is deleted (the event was a
 * duplicate, was ignored, or failed to commit and will be prepared again). Never throws.
 */
export async function settlePreparedAugmentation(
  deps: { prisma: PrismaClient; storage: BlobStorage },
  prepared: PreparedAugmentation | undefined,
  log: { warn(msg: string, fields?: Record<string, unknown>): void },
): Promise<void> {
  if (!prepared?.stored) return;
  try {
    const taken = await deps.prisma.datasetVersion.count({ where: { blobKey: prepared.stored.blobKey } });
    if (!taken) await deps.storage.delete(`${prepared.stored.dir}/`);
  } catch (err) {
    log.warn("could not delete an augmented version's file no version took (the storage sweeper will)", {
      augmentationId: prepared.augmentationId,
      err,
    });
  }
}
