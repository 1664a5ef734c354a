/**
 * Turns a succeeded augmentation into a dataset version: the source's rows (in order, as JSONL) followed by the new
 * rows the runner wrote, less those that are near duplicates (at the readiness default threshold) of a row already
 * in the version — the same MinHash/LSH as the readiness checks. One streamed pass over the source, straight into
 * ingestDataset, which profiles it and checks its readiness; the version records what was added (AugmentedDerivation).
 *
 * Called after the runner's success is committed (the augmentation's read path calls it while it has no result):
 * a claim on `resultVersionId` makes concurrent callers build it once.
 */
import { randomUUID } from "node:crypto";
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
import { PROVENANCE_FIELD } from "@whetstone/queue";
import type { BlobStorage } from "@whetstone/storage";
import { ingestDataset } from "../datasets/ingest-dataset";
import { readBytes } from "../evaluations/get-evaluation";

const BUILDING = "building:";

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

export async function finalizeAugmentation(
  deps: { prisma: PrismaClient; storage: BlobStorage; config: { maxUploadBytes: number } },
  id: string,
): Promise<void> {
  const { prisma } = deps;
  const a = await prisma.augmentation.findUnique({ where: { id } });
  if (!a || a.state !== "succeeded" || a.resultVersionId) return;
  const claim = `${BUILDING}${randomUUID()}`;
  const claimed = await prisma.augmentation.updateMany({
    where: { id, resultVersionId: null },
    data: { resultVersionId: claim },
  });
  if (claimed.count === 0) return;
  try {
    const v = await prisma.datasetVersion.findUnique({
      where: { id: a.sourceVersionId },
      include: { dataset: { select: { name: true, teamId: true } } },
    });
    if (!v) throw new Error("its source dataset version was deleted");
    const key = (a.summary as { artifact?: { key?: string } } | null)?.artifact?.key;
    if (!key) throw new Error("the runner's summary names no augmented_rows file");
    const made = Buffer.from(await readBytes(deps.storage, key))
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as DatasetRecord);
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
      for await (const c of await deps.storage.get(v!.blobKey)) {
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
    const created = await ingestDataset(deps, {
      teamId: v.dataset.teamId,
      userId: a.createdById ?? "",
      datasetName: v.dataset.name,
      filename: `${stem}.augmented.jsonl`,
      body: body(),
      declaredFormat: format,
      derivedFrom: { parentVersionId: v.id, derivation },
    });
    await prisma.augmentation.update({ where: { id }, data: { resultVersionId: created.id } });
  } catch (err) {
    await prisma.augmentation.update({
      where: { id },
      data: {
        resultVersionId: null,
        state: "failed",
        error: `the new rows could not become a version: ${(err as Error).message}`,
      },
    });
  }
}
