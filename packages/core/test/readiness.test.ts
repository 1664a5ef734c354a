import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  crossDuplicates,
  decodeSketch,
  encodeSketch,
  estimateTokenCounts,
  findPii,
  ibanValid,
  labelTypos,
  luhnValid,
  maskPiiValue,
  parseDatasetStream,
  redactRecord,
  splitLeakageCheck,
  verhoeffCheckDigit,
  verhoeffValid,
  type DatasetReadiness,
  type ReadinessCheck,
} from "../src";

const fixtures = join(__dirname, "fixtures", "readiness");
const enc = new TextEncoder();
async function* chunks(...bufs: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* bufs;
}
const jsonl = (rows: object[]) => chunks(enc.encode(rows.map((r) => JSON.stringify(r)).join("\n")));
const check = (r: DatasetReadiness, id: string) => r.checks.find((c) => c.id === id) as ReadinessCheck;

describe("checksums", () => {
  it("Luhn, IBAN mod-97 and Verhoeff accept the standard examples and reject one-digit changes", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("79927398713")).toBe(true); // the Wikipedia example
    expect(ibanValid("DE89370400440532013000")).toBe(true);
    expect(ibanValid("GB82WEST12345698765432")).toBe(true);
    expect(ibanValid("DE89370400440532013001")).toBe(false);
    expect(ibanValid("DE8937040044053201300")).toBe(false); // wrong length for DE
    expect(verhoeffValid("2363")).toBe(true); // the Wikipedia example: 236 → check digit 3
    expect(verhoeffCheckDigit("236")).toBe(3);
    expect(verhoeffValid("2364")).toBe(false);
  });
});

describe("personal data detectors", () => {
  const fx = JSON.parse(readFileSync(join(fixtures, "pii.json"), "utf8")) as {
    true: { text: string; kinds: string[] }[];
    false: { text: string; why: string }[];
  };

  it.each(fx.true.map((c) => [c.text, c.kinds] as const))("finds %j", (text, kinds) => {
    expect(findPii(text).map((m) => m.kind)).toEqual(kinds);
  });

  it.each(fx.false.map((c) => [c.text, c.why] as const))("does not flag %j (%s)", (text) => {
    expect(findPii(text)).toEqual([]);
  });

  it("masks every value: never the value in clear, at most the last 4 digits", () => {
    for (const c of fx.true) {
      for (const m of findPii(c.text)) {
        const value = c.text.slice(m.start, m.end);
        const masked = maskPiiValue(m.kind, value);
        expect(masked).not.toBe(value);
        expect(masked).toContain("•");
        const digits = value.replace(/\D/g, "");
        if (digits.length >= 6) expect(masked.replace(/\D/g, "").length).toBeLessThanOrEqual(4);
      }
    }
  });
});

describe("near duplicates (MinHash + LSH)", () => {
  // Known pairs of the fixture (1-based lines): near copies, and one text with two labels (a conflict).
  const KNOWN_NEAR = new Set(["1-6", "2-7", "3-8", "5-10", "11-21"]);

  it("finds the fixture's known pairs with recall and precision ≥ 0.8 at the default threshold, and the conflict", async () => {
    const res = await parseDatasetStream(chunks(readFileSync(join(fixtures, "neardup.jsonl"))), {
      filename: "neardup.jsonl",
      readiness: { maxExamples: 20 },
    });
    const r = res.readiness!;
    const found = new Set(check(r, "near_duplicates").examples.map((e) => `${e.otherLine}-${e.line}`));
    const tp = [...found].filter((p) => KNOWN_NEAR.has(p)).length;
    const recall = tp / KNOWN_NEAR.size;
    const precision = found.size ? tp / found.size : 1;
    expect(recall).toBeGreaterThanOrEqual(0.8);
    expect(precision).toBeGreaterThanOrEqual(0.8);
    const conflicts = check(r, "label_conflicts");
    expect(conflicts.count).toBe(2); // both rows of the pair
    expect(conflicts.examples[0]).toMatchObject({ line: 9, otherLine: 4, labels: ["contract", "legal"] });
  });

  it("a threshold out of range is refused with the field named", async () => {
    await expect(
      parseDatasetStream(jsonl([{ text: "a", label: "x" }]), {
        filename: "x.jsonl",
        readiness: { nearDuplicateThreshold: 1.5 },
      }),
    ).rejects.toMatchObject({ field: "nearDuplicateThreshold" });
    await expect(
      parseDatasetStream(jsonl([{ text: "a", label: "x" }]), {
        filename: "x.jsonl",
        readiness: { nearDuplicateThreshold: 0.2 },
      }),
    ).rejects.toThrow(/from 0.7 to 1/);
  });

  it("finds duplicates between two datasets through their sketches", async () => {
    const a = await parseDatasetStream(
      jsonl([
        { text: "Refunds are issued within five business days of approval." },
        { text: "Other text entirely, about shipping times." },
      ]),
      { filename: "a.jsonl" },
    );
    const b = await parseDatasetStream(
      jsonl([
        { text: "Nothing alike here at all, a new question." },
        { text: "Refunds are issued within five business days of approval!" },
      ]),
      { filename: "b.jsonl" },
    );
    const sa = decodeSketch(encodeSketch(a.sketch!));
    const x = crossDuplicates(sa, b.sketch!, 0.8, 5);
    expect(x.rows).toBe(1);
    expect(x.examples[0]).toMatchObject({ line: 2, otherLine: 1 });
  });
});

describe("readiness report", () => {
  it("gives a verdict with one line, masked examples with line numbers, and never a found value in clear", async () => {
    const rows = [
      { prompt: "What is my balance?", completion: "Your card 4111 1111 1111 1111 has $20." },
      { prompt: "Email me", completion: "Sent to jane.doe@example.com" },
      { prompt: "Empty answer here", completion: "   " },
      ...Array.from({ length: 30 }, (_, i) => ({
        prompt: `Question number ${i} about the policy`,
        completion: `Answer ${i} explains the policy in detail.`,
      })),
    ];
    const res = await parseDatasetStream(jsonl(rows), { filename: "pc.jsonl" });
    const r = res.readiness!;
    expect(r.verdict).toBe("blocked");
    expect(r.reason).toMatch(/payment card/);
    const pii = check(r, "personal_data");
    expect(pii.severity).toBe("blocker");
    expect(pii.examples).toContainEqual({ line: 1, field: "completion", kind: "card", value: "•••• •••• •••• 1111" });
    expect(check(r, "empty_answers")).toMatchObject({ count: 1, examples: [{ line: 3 }] });
    const stored = JSON.stringify({ readiness: r, profile: res.profile });
    expect(stored).not.toContain("4111 1111 1111 1111");
    expect(stored).not.toContain("jane.doe@example.com");
    expect(stored).toContain("[CARD_NUMBER]"); // the preview rows are redacted too
  });

  it("labels: imbalance with the smallest class, typos, too few examples", async () => {
    const rows = [
      ...Array.from({ length: 120 }, (_, i) => ({ text: `great product number ${i}, works well`, label: "positive" })),
      ...Array.from({ length: 8 }, (_, i) => ({ text: `broke after ${i} days of use sadly`, label: "negative" })),
      { text: "would buy again", label: "postive" },
    ];
    const r = (await parseDatasetStream(jsonl(rows), { filename: "c.jsonl" })).readiness!;
    expect(check(r, "class_imbalance").details).toMatchObject({ ratio: 120, smallest: { label: "postive", rows: 1 } });
    expect(check(r, "label_typos").examples[0]!.labels).toEqual(["positive", "postive"]);
    expect(check(r, "too_few_examples").severity).toBe("blocker");
    expect(
      labelTypos([
        ["label_1", 5],
        ["label_2", 5],
      ]),
    ).toEqual([]); // differ only by a digit
  });

  it("a system prompt in every row is reported once, and token estimates come from the length histograms", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      messages: [
        { role: "system", content: "You are a careful assistant for a hospital's billing desk." },
        { role: "user", content: `Question ${i}: ${"why was I billed twice ".repeat(1 + (i % 5))}` },
        { role: "assistant", content: `Answer ${i}: ${"the second charge is a hold ".repeat(1 + (i % 3))}` },
      ],
    }));
    const r = (await parseDatasetStream(jsonl(rows), { filename: "chat.jsonl" })).readiness!;
    expect(check(r, "system_prompt")).toMatchObject({ severity: "info", count: 40 });
    const est = estimateTokenCounts(r.lengths, r.rows, 16, 4, "test");
    expect(est.method).toBe("estimate");
    expect(est.truncated).toBe(40); // every row is over 64 characters
    const all = estimateTokenCounts(r.lengths, r.rows, 4096, 4, "test");
    expect(all.truncated).toBe(0);
    expect(splitLeakageCheck(r, { validationSplit: 0.1, testSplit: 0.1 }).id).toBe("split_leakage");
  });

  it("redactRecord replaces personal data by placeholders and counts it", () => {
    const { record, found } = redactRecord("chat", {
      messages: [
        { role: "user", content: "my aadhaar is 2345 6789 0124" },
        { role: "assistant", content: "Noted." },
      ],
    });
    expect((record.messages as { content: string }[])[0]!.content).toBe("my aadhaar is [AADHAAR]");
    expect(found).toEqual({ aadhaar: 1 });
  });
});
