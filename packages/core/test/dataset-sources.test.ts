/**
 * Uploads in other layouts than the stored ones: ShareGPT rows, JSON array files (Alpaca, ShareGPT), plain text,
 * and records handed in by a reader (Parquet). Each is detected, converted to the platform's format and profiled,
 * and every refusal names the line (or row) and the field.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DatasetError, DatasetParser, detectContainer, type DatasetParseResult, type DatasetRecord } from "../src";

const enc = new TextEncoder();
const fixtures = fileURLToPath(new URL("./fixtures/formats", import.meta.url));
const fixture = (name: string) => readFileSync(join(fixtures, name));

function parse(
  filename: string,
  text: string | Uint8Array,
  opts: { chunk?: number; declaredFormat?: "chat" | "alpaca" | "text" } = {},
): DatasetParseResult & { records: { r: DatasetRecord; line: number }[] } {
  const bytes = typeof text === "string" ? enc.encode(text) : text;
  const records: { r: DatasetRecord; line: number }[] = [];
  const p = new DatasetParser({
    filename,
    declaredFormat: opts.declaredFormat,
    onRecord: (r, line) => records.push({ r, line }),
  });
  const step = opts.chunk ?? 1 << 16;
  for (let i = 0; i < bytes.length; i += step) p.push(bytes.subarray(i, i + step));
  return { ...p.end(), records };
}
function parseError(filename: string, text: string | Uint8Array, opts: Parameters<typeof parse>[2] = {}) {
  try {
    parse(filename, text, opts);
  } catch (e) {
    if (e instanceof DatasetError) return e;
    throw e;
  }
  throw new Error("expected a DatasetError");
}

describe("detectContainer: the containers converted at upload", () => {
  it("tells a JSON array, Parquet and plain text apart from JSONL", () => {
    expect(detectContainer("alpaca_data.json", enc.encode('[\n  {"instruction": "a"'))).toBe("json");
    expect(detectContainer("noext", enc.encode('  [{"text": "a"}]'))).toBe("json");
    expect(detectContainer("rows.json", enc.encode('{"text": "a"}\n{"text": "b"}'))).toBe("jsonl");
    expect(detectContainer("train.parquet", enc.encode("PAR1\x15\x04"))).toBe("parquet");
    expect(detectContainer("renamed.jsonl", enc.encode("PAR1\x15\x04"))).toBe("parquet");
    expect(detectContainer("notes.txt", enc.encode("hello, world"))).toBe("txt");
    expect(() => detectContainer("fake.parquet", enc.encode('{"a": 1}'))).toThrow(/does not start like a Parquet/);
    expect(() => detectContainer("x.json", enc.encode("hello"))).toThrow(/neither a JSON array/);
  });
});

describe("ShareGPT", () => {
  it("is detected from the committed fixture, stored as chat JSON Lines with human/gpt/system mapped", () => {
    for (const chunk of [1, 7, 1 << 16]) {
      const res = parse("sharegpt.jsonl", fixture("sharegpt.jsonl"), { chunk });
      expect(res).toMatchObject({ format: "chat", container: "jsonl", storedAs: "jsonl", rows: 3 });
      expect(res.source).toEqual({ container: "jsonl", format: "sharegpt" });
      expect(res.records.map((x) => x.line)).toEqual([1, 2, 3]);
      expect(res.records[1]!.r.messages).toEqual([
        { role: "system", content: "You are a helpful outdoor-gear assistant." },
        { role: "user", content: "Which sleeping bag for -10°C?" },
        { role: "assistant", content: "Pick one rated to -15°C comfort, such as the Arctic 900." },
        { role: "user", content: "And a pad?" },
        { role: "assistant", content: "An insulated pad with an R-value of 5 or more." },
      ]);
      // The top-level system prompt becomes the first message; other fields are kept; conversations is gone.
      expect(res.records[2]!.r).toEqual({
        messages: [
          { role: "system", content: "Answer briefly." },
          { role: "user", content: "Can I change my order?" },
          { role: "assistant", content: "Yes, within one hour of placing it, from your account page." },
        ],
        id: "c-3",
      });
      expect(res.profile.rows).toBe(3);
      expect(res.profile.container).toBe("jsonl");
    }
  });

  it("accepts role/content keys and the OpenAI role names inside conversations", () => {
    const row = {
      conversations: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
      ],
    };
    const res = parse("x.jsonl", JSON.stringify(row));
    expect(res.records[0]!.r.messages).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
    ]);
  });

  it("names the line and the ShareGPT field of every problem", () => {
    const good = JSON.stringify({
      conversations: [
        { from: "human", value: "a" },
        { from: "gpt", value: "b" },
      ],
    });
    const cases: [string, string, string, string][] = [
      [
        JSON.stringify({
          conversations: [
            { from: "human", value: "a" },
            { from: "bot", value: "b" },
          ],
        }),
        "invalid_value",
        "conversations[1].from",
        'line 2: field "conversations[1].from" must be one of "human", "user", "gpt", "assistant", "system", got "bot"',
      ],
      [
        JSON.stringify({ conversations: [{ from: "human" }, { from: "gpt", value: "b" }] }),
        "missing_field",
        "conversations[0].value",
        'line 2: field "conversations[0].value" is missing',
      ],
      [
        JSON.stringify({ conversations: [{ from: "human", value: "a" }] }),
        "invalid_value",
        "conversations",
        'line 2: field "conversations" must contain at least one "gpt" (assistant) turn',
      ],
      [
        JSON.stringify({ conversations: "hi" }),
        "wrong_type",
        "conversations",
        'line 2: field "conversations" must be an array, got string',
      ],
      [
        JSON.stringify({
          conversations: [
            { from: "function_call", value: "{}" },
            { from: "gpt", value: "b" },
          ],
        }),
        "invalid_value",
        "conversations[0].from",
        "(tool calls are not supported)",
      ],
      [
        JSON.stringify({
          messages: [
            { role: "user", content: "a" },
            { role: "assistant", content: "b" },
          ],
        }),
        "mixed_formats",
        "conversations",
        'line 2: mixed formats: this row is not ShareGPT (no field "conversations") but the file is ShareGPT since line 1',
      ],
    ];
    for (const [row, kind, field, message] of cases) {
      const e = parseError("x.jsonl", `${good}\n${row}\n`);
      expect({ kind: e.kind, field: e.field, line: e.line }).toEqual({ kind, field, line: 2 });
      expect(e.message).toContain(message);
    }
    const declared = parseError("x.jsonl", good, { declaredFormat: "alpaca" });
    expect(declared).toMatchObject({ kind: "format_mismatch", field: "conversations", line: 1 });
  });
});

describe("a JSON array file (Alpaca as LLaMA-Factory ships it)", () => {
  it("is read element by element from the committed fixture, however the bytes are split", () => {
    for (const chunk of [1, 5, 1 << 16]) {
      const res = parse("alpaca_data.json", fixture("alpaca.json"), { chunk });
      expect(res).toMatchObject({ format: "alpaca", container: "jsonl", storedAs: "jsonl", rows: 4 });
      expect(res.source).toEqual({ container: "json", format: null });
      expect(res.records[1]!.r).toEqual({
        instruction: "Translate the sentence into French.",
        input: "The tent is waterproof.",
        output: "La tente est imperméable.",
      });
      // Stored as JSON Lines: the readiness examples and onRecord name lines of the stored file (row N = line N).
      expect(res.records.map((x) => x.line)).toEqual([1, 2, 3, 4]);
    }
  });

  it("reads a minified one-line array, a BOM and ShareGPT elements", () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ instruction: `q${i}`, output: `a${i}` }));
    expect(parse("min.json", JSON.stringify(rows), { chunk: 3 }).rows).toBe(50);
    expect(parse("bom.json", `\ufeff${JSON.stringify(rows.slice(0, 2))}`).rows).toBe(2);
    const sg = parse("sharegpt.json", fixture("sharegpt.json"), { chunk: 11 });
    expect(sg).toMatchObject({ format: "chat", rows: 3, source: { container: "json", format: "sharegpt" } });
  });

  it("names the line (and column) of every problem", () => {
    const head = '[\n  {"instruction": "a", "output": "b"},\n';
    const cases: [string, string, number, string | undefined, string][] = [
      [`${head}  {"instruction": "c"}\n]`, "missing_field", 3, "output", 'line 3: field "output" is missing'],
      [`${head}  {"instruction": "c", "output": 1}\n]`, "wrong_type", 3, "output", "must be a string, got number"],
      [
        `${head}  {"instruction": "c" "output": "d"}\n]`,
        "malformed_json",
        3,
        undefined,
        'unexpected "output" at column',
      ],
      [
        `${head}  {"instruction": "c", "output": "d"}\n  {"instruction": "e"}\n]`,
        "malformed_json",
        4,
        undefined,
        'a "," missing between elements?',
      ],
      [`${head}  {"instruction": "c", "output": "d"},\n]`, "malformed_json", 4, undefined, "a trailing comma?"],
      [
        `${head}  "just a string"\n]`,
        "not_an_object",
        3,
        undefined,
        "line 3: expected a JSON object ({…}) as each element of the array, got string",
      ],
      [
        `${head}  {"instruction": "c", "output": tru}\n]`,
        "malformed_json",
        3,
        undefined,
        'line 3: malformed JSON: unexpected "}" at column 37',
      ],
      [
        `${head}  {"instruction": "c", "output": "d"}\n`,
        "malformed_json",
        4,
        undefined,
        'the file ends before the array is closed with "]"',
      ],
      [`${head}  {"instruction": "c", "output": "d"}\n] extra`, "malformed_json", 4, undefined, 'unexpected "e"'],
      [
        `${head}  {"text": "c", "label": "x"}\n]`,
        "mixed_formats",
        3,
        "label",
        'line 3: mixed formats: this row is "classification"',
      ],
    ];
    for (const [text, kind, line, field, message] of cases) {
      for (const chunk of [2, 1 << 16]) {
        const e = parseError("data.json", text, { chunk });
        expect({ kind: e.kind, line: e.line, field: e.field }, text).toEqual({ kind, line, field });
        expect(e.message).toContain(message);
      }
    }
    expect(parseError("empty.json", "[]")).toMatchObject({
      kind: "no_rows",
      message: "the JSON array is empty: there are no rows",
    });
    const bad = parseError("bad.json", new Uint8Array([...enc.encode('[\n{"text": "a'), 0xff, ...enc.encode('"}]')]));
    expect(bad).toMatchObject({ kind: "not_utf8", line: 2 });
  });

  it("refuses an element longer than the line limit, naming its line", () => {
    const p = new DatasetParser({ filename: "big.json", maxLineBytes: 1000 });
    p.push(enc.encode(`[\n{"text": "short"},\n{"text": "`));
    expect(() => p.push(enc.encode("x".repeat(5000)))).toThrow(
      /line 3: the array element starting here is longer than/,
    );
  });
});

describe("plain text for continued pre-training", () => {
  it("is one document per blank-line–separated block, named by its first line", () => {
    for (const chunk of [1, 1 << 16]) {
      const res = parse("corpus.txt", fixture("corpus.txt"), { chunk });
      expect(res).toMatchObject({ format: "text", container: "jsonl", storedAs: "jsonl", rows: 3 });
      expect(res.source).toEqual({ container: "txt", format: null });
      expect(res.records.map((x) => x.r.text)).toEqual([
        "Gore-Tex is a waterproof, breathable fabric membrane.\nIt was invented in 1969.",
        "Down insulation is rated by fill power: higher fill power\ntraps more air for its weight.",
        "Synthetic insulation keeps some warmth when wet.",
      ]);
    }
    expect(parse("one.txt", "a single document\nwithout blank lines\r\nat all").rows).toBe(1);
    expect(parseError("blank.txt", "\n  \n\n")).toMatchObject({ kind: "blank_file" });
    expect(parseError("notes.txt", "a\n\nb", { declaredFormat: "alpaca" })).toMatchObject({
      kind: "format_mismatch",
      line: 1,
    });
  });
});

describe("records read by the caller (Parquet rows)", () => {
  it("are converted and profiled, and problems name the row", () => {
    const p = new DatasetParser({ filename: "train.parquet" });
    p.pushRecord(1, {
      conversations: [
        { from: "human", value: "a" },
        { from: "gpt", value: "b" },
      ],
    });
    const res = p.end();
    expect(res).toMatchObject({
      format: "chat",
      rows: 1,
      storedAs: "jsonl",
      source: { container: "parquet", format: "sharegpt" },
    });

    const q = new DatasetParser({ filename: "train.parquet" });
    q.pushRecord(1, { instruction: "a", output: "b" });
    expect(() => q.pushRecord(2, { instruction: "a", output: null })).toThrow(
      'row 2: field "output" must be a string, got null',
    );
    expect(() => new DatasetParser({ filename: "e.parquet" }).end()).toThrow();
  });
});

describe("an unknown shape", () => {
  it("names the formats it could be and the field that is missing", () => {
    const e = parseError("qa.jsonl", JSON.stringify({ question: "q", answer: "a" }));
    expect(e.kind).toBe("unknown_format");
    expect(e.message).toContain('"conversations" (ShareGPT)');
    expect(e.message).toContain('it could be prompt/completion: rename "question" → "prompt", "answer" → "completion"');
    const half = parseError("q.jsonl", JSON.stringify({ query: "q", id: 1 }));
    expect(half.message).toContain('rename "query" → "prompt"; field "completion" is missing');
    const partial = parseError("a.jsonl", JSON.stringify({ instruction: "q", response: "a" }));
    expect(partial).toMatchObject({ kind: "missing_field", field: "output", line: 1 });
  });
});
