import { describe, expect, it } from "vitest";
import {
  DatasetError,
  DatasetParser,
  defaultHyperparameter,
  detectFormat,
  FORMATS_FOR_TECHNIQUE,
  HYPERPARAMETER_FIELDS,
  jobSpecSchema,
  redactRecord,
  resolveTechniqueHyperparameters,
  TECHNIQUE_HYPERPARAMETERS,
  validateRecord,
  type DatasetParseResult,
} from "../src";
import { preferencePair } from "../src/datasets/preference";

const enc = new TextEncoder();
function parse(filename: string, text: string): DatasetParseResult {
  const p = new DatasetParser({ filename });
  p.push(enc.encode(text));
  return p.end();
}
function parseError(filename: string, text: string): DatasetError {
  try {
    parse(filename, text);
  } catch (e) {
    if (e instanceof DatasetError) return e;
    throw e;
  }
  throw new Error("expected a DatasetError");
}
const jsonl = (...rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
const user = (content: string) => ({ role: "user", content });
const assistant = (content: string) => ({ role: "assistant", content });

const trlRow = { prompt: "Where is my parcel?", chosen: "It ships today; tracking follows.", rejected: "No idea." };
const openAiRow = {
  input: { messages: [user("Where is my parcel?")] },
  preferred_output: [assistant("It ships today; tracking follows.")],
  non_preferred_output: [assistant("No idea.")],
};

describe("preference format: detection", () => {
  it("detects both shapes, before prompt/completion and chat", () => {
    expect(detectFormat(trlRow)).toBe("preference");
    expect(detectFormat({ chosen: [user("q"), assistant("a")], rejected: [user("q"), assistant("b")] })).toBe(
      "preference",
    );
    expect(detectFormat(openAiRow)).toBe("preference");
    expect(detectFormat({ prompt: "a", completion: "b" })).toBe("prompt_completion");
    expect(FORMATS_FOR_TECHNIQUE.preference).toEqual(["preference"]);
  });

  it("parses and profiles a JSONL file of each shape, and a CSV of strings", () => {
    const longer = { prompt: "Refund?", chosen: "Yes, within 30 days of delivery.", rejected: "No." };
    const a = parse("pairs.jsonl", jsonl(trlRow, longer));
    expect(a).toMatchObject({ format: "preference", rows: 2, container: "jsonl" });
    expect(a.profile.preference).toEqual({
      chosenMeanChars: (trlRow.chosen.length + longer.chosen.length) / 2,
      rejectedMeanChars: (trlRow.rejected.length + longer.rejected.length) / 2,
      chosenLongerShare: 1,
    });
    expect(a.profile.lengthStats.max).toBe(trlRow.prompt.length + trlRow.chosen.length + trlRow.rejected.length);
    const b = parse("dpo.jsonl", jsonl(openAiRow, openAiRow));
    expect(b).toMatchObject({ format: "preference", rows: 2 });
    expect(b.profile.duplicateRows).toBe(1);
    // both shapes of the same pair are the same row
    expect(parse("mixed.jsonl", jsonl(trlRow, openAiRow)).profile.duplicateRows).toBe(1);
    const c = parse("pairs.csv", 'prompt,chosen,rejected\n"Hi, there",Hello!,Go away.\n');
    expect(c).toMatchObject({ format: "preference", rows: 1, container: "csv" });
  });

  it("takes the prompt from the messages both answers start with when there is no prompt", () => {
    const row = {
      chosen: [{ role: "system", content: "Be kind." }, user("q"), assistant("good")],
      rejected: [{ role: "system", content: "Be kind." }, user("q"), assistant("bad")],
    };
    expect(validateRecord("preference", row)).toBeNull();
    expect(preferencePair(row)).toEqual({
      prompt: [{ role: "system", content: "Be kind." }, user("q")],
      chosen: [assistant("good")],
      rejected: [assistant("bad")],
    });
    expect(preferencePair(trlRow)).toEqual({
      prompt: [user(trlRow.prompt)],
      chosen: [assistant(trlRow.chosen)],
      rejected: [assistant(trlRow.rejected)],
    });
  });
});

describe("preference format: bad rows name the line and the field", () => {
  it("refuses chosen == rejected, naming the line", () => {
    const e = parseError("p.jsonl", jsonl(trlRow, { prompt: "q", chosen: "same", rejected: " same " }));
    expect(e).toMatchObject({ kind: "invalid_value", line: 2, field: "rejected" });
    expect(e.message).toBe(
      'line 2: fields "chosen" and "rejected" hold the same answer; a preference pair needs two different answers',
    );
    const o = parseError("o.jsonl", jsonl({ ...openAiRow, non_preferred_output: openAiRow.preferred_output }));
    expect(o).toMatchObject({ kind: "invalid_value", line: 1, field: "non_preferred_output" });
  });

  it("names missing fields and wrong types in both shapes", () => {
    expect(parseError("p.jsonl", jsonl(trlRow, { prompt: "q", chosen: "a" }))).toMatchObject({
      kind: "missing_field",
      line: 2,
      field: "rejected",
      message: 'line 2: field "rejected" is missing',
    });
    expect(validateRecord("preference", { chosen: "a", rejected: "b" })).toMatchObject({
      kind: "missing_field",
      field: "prompt",
    });
    expect(validateRecord("preference", { prompt: "q", chosen: 3, rejected: "b" })).toMatchObject({
      kind: "wrong_type",
      field: "chosen",
      got: "number",
    });
    expect(validateRecord("preference", { prompt: "q", chosen: "a", rejected: [assistant("b")] })).toMatchObject({
      kind: "wrong_type",
      field: "rejected",
    });
    expect(
      validateRecord("preference", {
        prompt: "q",
        chosen: [assistant("a")],
        rejected: [{ role: "bot", content: "b" }],
      }),
    ).toMatchObject({ kind: "invalid_value", field: "rejected[0].role" });
    expect(
      validateRecord("preference", { prompt: "q", chosen: [assistant("a"), user("?")], rejected: [assistant("b")] }),
    ).toMatchObject({ kind: "invalid_value", field: "chosen" });
    expect(validateRecord("preference", { ...openAiRow, input: { messages: [] } })).toMatchObject({
      kind: "invalid_value",
      field: "input.messages",
    });
    expect(validateRecord("preference", { ...openAiRow, input: "q" })).toMatchObject({
      kind: "wrong_type",
      field: "input",
    });
    const { non_preferred_output: _drop, ...noRejected } = openAiRow;
    expect(parseError("o.jsonl", jsonl(openAiRow, noRejected))).toMatchObject({
      kind: "missing_field",
      line: 2,
      field: "non_preferred_output",
    });
    expect(
      validateRecord("preference", { ...openAiRow, preferred_output: [{ role: "assistant", content: 1 }] }),
    ).toMatchObject({ kind: "wrong_type", field: "preferred_output[0].content" });
  });

  it("refuses a row of another format in a preference file", () => {
    expect(parseError("p.jsonl", jsonl(trlRow, { prompt: "q", completion: "a" }))).toMatchObject({
      kind: "mixed_formats",
      line: 2,
    });
  });

  it("redacts personal data in both shapes", () => {
    const a = redactRecord("preference", { ...trlRow, chosen: "Mail me at jane.doe@example.com" });
    expect(a.record.chosen).toBe("Mail me at [EMAIL]");
    const b = redactRecord("preference", {
      ...openAiRow,
      input: { messages: [user("I am jane.doe@example.com")] },
    });
    expect((b.record.input as { messages: { content: string }[] }).messages[0]!.content).toBe("I am [EMAIL]");
  });
});

describe("job spec: beta belongs to preference tuning", () => {
  const base = { baseModelId: "bm", datasets: [{ datasetVersionId: "dv" }] };

  it("accepts beta on a preference job and fills its default when left out", () => {
    const spec = jobSpecSchema.parse({ ...base, technique: "preference", hyperparameters: { beta: 0.25 } });
    expect(spec.hyperparameters.beta).toBe(0.25);
    const plain = jobSpecSchema.parse({ ...base, technique: "preference" });
    expect(resolveTechniqueHyperparameters(plain.technique, plain.hyperparameters).beta).toBe(0.1);
    expect(defaultHyperparameter("beta")).toBe(0.1);
  });

  it("refuses beta on any other technique, naming the field", () => {
    const r = jobSpecSchema.safeParse({ ...base, technique: "sft", hyperparameters: { beta: 0.1 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ["hyperparameters", "beta"] });
    expect(r.error!.issues[0]!.message).toMatch(/beta is a hyperparameter of Preference tuning \(DPO\) only/);
    // the SFT job keeps no beta at all
    const sft = jobSpecSchema.parse({ ...base, technique: "sft" });
    expect("beta" in resolveTechniqueHyperparameters("sft", sft.hyperparameters)).toBe(false);
  });

  it("refuses a beta out of range", () => {
    const r = jobSpecSchema.safeParse({ ...base, technique: "preference", hyperparameters: { beta: 0 } });
    expect(r.error!.issues[0]!.path).toEqual(["hyperparameters", "beta"]);
  });

  it("shows each technique's own hyperparameters only for that technique on the form", () => {
    for (const [technique, options] of Object.entries(TECHNIQUE_HYPERPARAMETERS)) {
      for (const key of Object.keys(options)) {
        expect(HYPERPARAMETER_FIELDS[key as keyof typeof HYPERPARAMETER_FIELDS].techniques).toEqual([technique]);
      }
    }
  });
});
