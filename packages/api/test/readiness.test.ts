/**
 * Dataset readiness through the router against real PostgreSQL and storage: the verdict stored at upload with
 * masked examples, a cleaned version that really lacks what it says it removed, a blocked job refused unless
 * overridden with a reason (audited), and clear errors for bad input.
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPii, type DatasetReadiness } from "@whetstone/core";
import { ingestDataset } from "../src/datasets/ingest-dataset";
import { seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

let env: TestEnv;
let w: World;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
});
afterAll(() => env?.close());

const asOwnerA = () => env.as(w.ownerA, w.teamA.slug);
const PII = ["4111 1111 1111 1111", "jane.doe@example.com", "+91 98765 43210", "2345 6789 0124"];

async function expectAppError(p: Promise<unknown>, code: string, field?: string) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected the call to fail").toBeInstanceOf(TRPCError);
  const e = err as TRPCError & { cause?: { details?: Record<string, unknown> } };
  expect(e.code).toBe(code);
  if (field) expect(e.cause?.details?.field).toBe(field);
  return e;
}

/** 60 distinct support answers, then duplicates, a near duplicate, a conflict-free set, and personal data. */
function dataset(): string {
  const rows: { prompt: string; completion: string }[] = [];
  const words = (
    "refund shipping password invoice warranty delivery account billing return order parcel courier address label " +
    "tracking payment receipt discount coupon voucher subscription renewal cancel upgrade downgrade plan device " +
    "screen battery charger cable adapter store branch manager agent ticket priority urgent weekend holiday morning " +
    "evening tomorrow yesterday week month quarter policy terms privacy security login email phone message chat call"
  ).split(" ");
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const sentence = (n: number) => Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(" ");
  for (let i = 0; i < 60; i++) rows.push({ prompt: `${sentence(12)}?`, completion: `${sentence(16)}.` });
  rows.push({ ...rows[3]! }); // line 61: exact duplicate of line 4
  rows.push({ ...rows[5]! }); // line 62: exact duplicate of line 6
  rows.push({ prompt: rows[7]!.prompt.toUpperCase(), completion: `${rows[7]!.completion}!` }); // line 63: near duplicate of line 8
  rows.push({
    prompt: "What card did I use?",
    completion: "The card 4111 1111 1111 1111, registered to jane.doe@example.com.",
  });
  rows.push({
    prompt: "Call me back",
    completion: "We will call +91 98765 43210 today. Your Aadhaar 2345 6789 0124 is on file.",
  });
  return rows.map((r) => JSON.stringify(r)).join("\n");
}

async function* chunks(...bufs: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* bufs;
}

let versionId: string;
let datasetId: string;

describe("readiness at upload", () => {
  it("stores a verdict with masked examples and line numbers; no found value is stored in clear", async () => {
    const v = await ingestDataset(env.deps, {
      teamId: w.teamA.id,
      userId: w.ownerA.id,
      datasetName: "support-pii",
      filename: "support.jsonl",
      body: chunks(Buffer.from(dataset())),
    });
    versionId = v.id;
    datasetId = v.datasetId;
    const got = await asOwnerA().datasets.getVersion({ id: v.id });
    const r = got.readiness as unknown as DatasetReadiness;
    expect(r.verdict).toBe("blocked");
    const by = (id: string) => r.checks.find((c) => c.id === id)!;
    expect(by("exact_duplicates")).toMatchObject({ count: 2, severity: "warning" });
    expect(by("exact_duplicates").examples[0]).toMatchObject({ line: 61, otherLine: 4 });
    expect(by("near_duplicates").examples[0]).toMatchObject({ line: 63, otherLine: 8 });
    expect(by("personal_data")).toMatchObject({ severity: "blocker", count: 2 });
    expect(by("personal_data").details).toMatchObject({ kinds: { card: 1, email: 1, phone: 1, aadhaar: 1 } });
    const row = await env.db.prisma.datasetVersion.findUniqueOrThrow({ where: { id: v.id } });
    const stored = JSON.stringify([row.readiness, row.profile]);
    for (const value of PII) expect(stored).not.toContain(value);
    expect(row.sketchKey).toMatch(/readiness-sketch\.bin$/);
    const list = await asOwnerA().datasets.get({ id: v.datasetId });
    expect(list.versions[0]!.readiness).toMatchObject({ verdict: "blocked" });
  });

  it("re-runs the checks at another threshold; refuses a threshold out of range naming the field", async () => {
    const strict = await asOwnerA().datasets.readiness({ id: versionId, nearDuplicateThreshold: 0.99 });
    expect(strict.stored).toBe(false);
    await expectAppError(
      asOwnerA().datasets.readiness({ id: versionId, nearDuplicateThreshold: 1.5 }),
      "BAD_REQUEST",
      "nearDuplicateThreshold",
    );
    await expectAppError(
      asOwnerA().datasets.clean({ id: versionId, nearDuplicateThreshold: 0.1 }),
      "BAD_REQUEST",
      "nearDuplicateThreshold",
    );
  });
});

describe("jobs on blocked data", () => {
  const spec = (id: string) => ({
    baseModelId: w.sharedModel.id,
    technique: "sft" as const,
    datasets: [{ datasetVersionId: id }],
    hyperparameters: { epochs: 1, maxSteps: 5 },
  });

  it("the job form's summary says blocked and why, with a token-length check labelled as an estimate", async () => {
    const r = await asOwnerA().datasets.jobReadiness({
      datasetVersionIds: versionId,
      baseModelId: w.sharedModel.id,
      maxSeqLength: 16,
    });
    expect(r.verdict).toBe("blocked");
    expect(r.reason).toMatch(/personal data/);
    const tokens = r.checks.find((c) => c.id === "token_length")!;
    expect(tokens).toMatchObject({ estimate: true, title: "Length in tokens (estimate)" });
    expect((tokens.count as number) > 0).toBe(true);
    expect(r.checks.find((c) => c.id === "split_leakage")).toBeTruthy();
  });

  it("is refused (412) without an override, and created with one; the reason goes into the audit log", async () => {
    const e = await expectAppError(asOwnerA().jobs.create(spec(versionId)), "PRECONDITION_FAILED", "datasets");
    expect(e.message).toMatch(/blocked by its readiness checks/);
    await expectAppError(
      asOwnerA().jobs.create({ ...spec(versionId), readinessOverride: { reason: "too short" } }),
      "BAD_REQUEST",
    );
    const job = await asOwnerA().jobs.create({
      ...spec(versionId),
      readinessOverride: { reason: "Synthetic test numbers only, approved by the privacy officer" },
    });
    const log = await env.db.prisma.auditLog.findFirstOrThrow({
      where: { action: "job.readiness_override", targetId: job.id },
    });
    expect(log.details).toMatchObject({ reason: "Synthetic test numbers only, approved by the privacy officer" });
    expect(JSON.stringify(log.details)).not.toContain("4111");
  });
});

describe("a job's explicit validation set", () => {
  it("is checked for rows that are in the training data too (validation leakage), with their lines", async () => {
    const words = "refund parcel invoice warranty courier coupon battery ticket weekend privacy login branch".split(
      " ",
    );
    let seed = 11;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const say = (n: number) => Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(" ");
    const rows = (n: number) => Array.from({ length: n }, () => ({ prompt: `${say(14)}?`, completion: `${say(18)}.` }));
    const train = rows(30);
    const upload = (name: string, rows: object[]) =>
      ingestDataset(env.deps, {
        teamId: w.teamA.id,
        userId: w.ownerA.id,
        datasetName: name,
        filename: `${name}.jsonl`,
        body: chunks(Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n"))),
      });
    const t = await upload("leak-train", train);
    const fresh = rows(8);
    const leaky = await upload("leak-val", [...fresh, train[4]!, train[11]!]); // lines 9 and 10: training rows
    const clean = await upload("clean-val", fresh);

    const check = async (validationDatasetVersionId: string) =>
      (await asOwnerA().datasets.jobReadiness({ datasetVersionIds: t.id, validationDatasetVersionId })).checks.find(
        (c) => c.id === "validation_set_leakage",
      )!;
    const found = await check(leaky.id);
    expect(found).toMatchObject({ severity: "warning", count: 2 });
    expect((found.examples as { line: number; otherLine: number }[]).map((e) => [e.line, e.otherLine])).toEqual([
      [9, 5],
      [10, 12],
    ]);
    expect(await check(clean.id)).toMatchObject({ severity: "ok", count: 0 });
    await expectAppError(check(w.chatB.id), "NOT_FOUND", "validationDatasetVersionId");
  });
});

describe("cleaned version", () => {
  it("drops duplicates, masks personal data, records what it removed — and the file really lacks them", async () => {
    const clean = await asOwnerA().datasets.clean({ id: versionId });
    expect(clean.parentVersionId).toBe(versionId);
    expect(clean.rowCount).toBe(65 - 3);
    const v = await asOwnerA().datasets.getVersion({ id: clean.id });
    expect(v.derivation).toMatchObject({
      kind: "cleaned",
      sourceVersionId: versionId,
      rowsBefore: 65,
      rowsAfter: 62,
      removed: [
        { reason: "exact_duplicate", rows: 2, lines: [61, 62] },
        { reason: "near_duplicate", rows: 1, lines: [63] },
      ],
      masked: { card: 1, email: 1, phone: 1, aadhaar: 1 },
    });
    const r = v.readiness as unknown as DatasetReadiness;
    const by = (id: string) => r.checks.find((c) => c.id === id)!;
    expect(by("exact_duplicates").count).toBe(0);
    expect(by("near_duplicates").count).toBe(0);
    expect(by("personal_data").count).toBe(0);
    expect(r.verdict).not.toBe("blocked");
    // The file itself.
    const row = await env.db.prisma.datasetVersion.findUniqueOrThrow({ where: { id: clean.id } });
    const chunks: Buffer[] = [];
    for await (const c of await env.deps.storage.get(row.blobKey)) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    for (const value of PII) expect(text).not.toContain(value);
    expect(text).toContain("[CARD_NUMBER]");
    const lines = text.trim().split("\n");
    expect(new Set(lines).size).toBe(lines.length);
    for (const l of lines) expect(findPii(l)).toEqual([]);
    const audit = await env.db.prisma.auditLog.findFirstOrThrow({
      where: { action: "dataset.cleaned", targetId: clean.id },
    });
    for (const value of PII) expect(JSON.stringify(audit.details)).not.toContain(value);
  });

  it("a clean version has nothing left to clean (409), and a deleted version answers 404", async () => {
    const latest = (await asOwnerA().datasets.get({ id: datasetId })).versions[0]!;
    await expectAppError(asOwnerA().datasets.clean({ id: latest.id }), "CONFLICT");
    // Jobs use the first version; the second dataset is deleted outright.
    const other = await ingestDataset(env.deps, {
      teamId: w.teamA.id,
      userId: w.ownerA.id,
      datasetName: "to-delete",
      filename: "d.jsonl",
      body: chunks(Buffer.from(dataset())),
    });
    await asOwnerA().datasets.delete({ id: other.datasetId });
    const e = await expectAppError(asOwnerA().datasets.clean({ id: other.id }), "NOT_FOUND");
    expect(e.message).toMatch(/may have been deleted/);
  });
});
