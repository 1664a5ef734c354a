import { describe, expect, it } from "vitest";
import {
  CsvReader,
  DatasetError,
  DatasetParser,
  detectContainer,
  detectFormat,
  Hash64,
  Hash64Set,
  LENGTH_RESERVOIR_SIZE,
  ProfileAccumulator,
  SAMPLE_STRING_CHARS,
  validateRecord,
  type DatasetParseResult,
} from "../src";

const enc = new TextEncoder();

/** Parses `text` pushed in chunks of `chunk` bytes (1 = byte by byte, the hardest split). */
function parse(
  filename: string,
  text: string | Uint8Array,
  opts: { chunk?: number; declaredFormat?: "chat" | "text" | "classification" | "prompt_completion" | "alpaca" } = {},
): DatasetParseResult {
  const bytes = typeof text === "string" ? enc.encode(text) : text;
  const p = new DatasetParser({ filename, declaredFormat: opts.declaredFormat });
  const step = opts.chunk ?? 1 << 16;
  for (let i = 0; i < bytes.length; i += step) p.push(bytes.subarray(i, i + step));
  return p.end();
}
function parseError(filename: string, text: string | Uint8Array, opts: Parameters<typeof parse>[2] = {}): DatasetError {
  try {
    parse(filename, text, opts);
  } catch (e) {
    if (e instanceof DatasetError) return e;
    throw e;
  }
  throw new Error("expected a DatasetError");
}
const chat = (...turns: [string, string][]) =>
  JSON.stringify({ messages: turns.map(([role, content]) => ({ role, content })) });

describe("detectFormat / validateRecord", () => {
  it("detects each format from its fields", () => {
    expect(detectFormat({ messages: [] })).toBe("chat");
    expect(detectFormat({ prompt: "a", completion: "b" })).toBe("prompt_completion");
    expect(detectFormat({ instruction: "a", output: "b" })).toBe("alpaca");
    expect(detectFormat({ text: "a" })).toBe("text");
    expect(detectFormat({ text: "a", label: "x" })).toBe("classification");
    expect(detectFormat({ foo: 1 })).toBeNull();
  });
  it("names the exact field path and the types", () => {
    const p = validateRecord("chat", {
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: 3 },
      ],
    });
    expect(p).toMatchObject({ kind: "wrong_type", field: "messages[1].content", got: "number" });
    expect(p?.message).toBe('field "messages[1].content" must be a string, got number');
  });
  it("refuses chat rows without an assistant, with an unknown role, or with no messages", () => {
    expect(validateRecord("chat", { messages: [{ role: "user", content: "hi" }] })?.message).toMatch(
      /at least one "assistant"/,
    );
    expect(validateRecord("chat", { messages: [{ role: "bot", content: "hi" }] })).toMatchObject({
      field: "messages[0].role",
      kind: "invalid_value",
    });
    expect(validateRecord("chat", { messages: [] })).toMatchObject({
      field: "messages",
      message: 'field "messages" must not be empty',
    });
    expect(validateRecord("chat", { messages: ["hi"] })).toMatchObject({ field: "messages[0]", got: "string" });
    expect(validateRecord("chat", { messages: [{ content: "x" }] })).toMatchObject({
      kind: "missing_field",
      field: "messages[0].role",
    });
  });
  it("checks the other formats", () => {
    expect(validateRecord("prompt_completion", { prompt: "a" })).toMatchObject({
      kind: "missing_field",
      field: "completion",
    });
    expect(validateRecord("alpaca", { instruction: "a", input: 5, output: "b" })).toMatchObject({
      field: "input",
      got: "number",
    });
    expect(validateRecord("alpaca", { instruction: "a", input: null, output: "b" })).toBeNull();
    expect(validateRecord("alpaca", { instruction: "a", output: "b" })).toBeNull();
    expect(validateRecord("text", { text: null })).toMatchObject({ field: "text", got: "null" });
    expect(validateRecord("classification", { text: "a", label: "  " })).toMatchObject({
      kind: "invalid_value",
      field: "label",
    });
    expect(validateRecord("classification", { text: "a", label: 1 })).toBeNull();
    expect(validateRecord("classification", { text: "a", label: 1.5 })).toMatchObject({ field: "label" });
  });
});

describe("detectContainer", () => {
  it("uses the extension, and content beats the name", () => {
    expect(detectContainer("a.jsonl", enc.encode("{}"))).toBe("jsonl");
    expect(detectContainer("a.CSV", enc.encode("text,label"))).toBe("csv");
    expect(detectContainer("a.tsv", enc.encode("text\tlabel"))).toBe("tsv");
    expect(() => detectContainer("a.jsonl", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10]))).toThrow(
      /"a.jsonl" is a PNG image/,
    );
    expect(detectContainer("data.jsonl", enc.encode("PAR1xxxx"))).toBe("parquet");
    expect(() => detectContainer("data.xlsx", enc.encode("whatever"))).toThrow(/Excel workbook/);
  });
  it("sniffs files without a known extension", () => {
    expect(detectContainer("upload", enc.encode('  {"text":1}'))).toBe("jsonl");
    expect(detectContainer("x.txt", enc.encode("text\tlabel\n"))).toBe("tsv");
    expect(detectContainer("x.txt", enc.encode("text,label\n"))).toBe("csv");
    expect(detectContainer("x.json", enc.encode('[{"text":"a"}]'))).toBe("json");
    expect(detectContainer("x", enc.encode('[{"text":"a"}]'))).toBe("json");
    expect(() => detectContainer("x", enc.encode("hello world"))).toThrow(/cannot tell what "x" contains/);
  });
});

describe("CsvReader", () => {
  const read = (lines: string[], delim: "," | "\t" = ",") => {
    const out: [number, string[]][] = [];
    const r = new CsvReader(delim, (line, fields) => out.push([line, fields]));
    lines.forEach((l, i) => r.pushLine(i + 1, l));
    r.end();
    return out;
  };
  it("handles quotes, escaped quotes, delimiters and line breaks in fields (RFC 4180)", () => {
    expect(read(["text,label", '"a, b",x', '"say ""hi""",y', '"two', 'lines",z', "", "plain,", '""," q "'])).toEqual([
      [1, ["text", "label"]],
      [2, ["a, b", "x"]],
      [3, ['say "hi"', "y"]],
      [4, ["two\nlines", "z"]],
      [7, ["plain", ""]],
      [8, ["", " q "]],
    ]);
  });
  it("reads TSV", () => {
    expect(read(["text\tlabel", "a, b\tx"], "\t")).toEqual([
      [1, ["text", "label"]],
      [2, ["a, b", "x"]],
    ]);
  });
  it("fails on text after a closing quote and on an unclosed quote, naming the line", () => {
    expect(() => read(['"a"b,c'])).toThrow(/line 1: unexpected character "b" after the closing quote of column 1/);
    expect(() => read(["text,label", 'x,"open', "more"])).toThrow(
      /line 2: the quoted field in column 2 is never closed/,
    );
  });
});

describe("DatasetParser", () => {
  const chatFile =
    [chat(["user", "hi"], ["assistant", "hello"]), chat(["system", "s"], ["user", "q"], ["assistant", "a"])].join(
      "\n",
    ) + "\n";

  it("detects chat JSONL whatever the chunk boundaries", () => {
    for (const chunk of [1, 3, 7, 4096, 1 << 20]) {
      const r = parse("chat.jsonl", chatFile, { chunk });
      expect(r).toMatchObject({ container: "jsonl", format: "chat", rows: 2 });
      expect(r.profile.lengthStats).toMatchObject({ min: 3, max: 7 });
    }
  });
  it("accepts a BOM, CRLF line endings, blank lines and a last line without newline", () => {
    const text = "\uFEFF" + '{"text":"a"}\r\n\r\n{"text":"bb"}\r\n   \n{"text":"ccc"}';
    const r = parse("t.jsonl", text, { chunk: 2 });
    expect(r).toMatchObject({ format: "text", rows: 3 });
    expect(r.profile.sample).toEqual([{ text: "a" }, { text: "bb" }, { text: "ccc" }]);
  });
  it("reads classification CSV with multi-line quoted fields and counts physical lines", () => {
    const r = parse("c.csv", 'text,label\r\n"line one\r\nline two",pos\r\nplain,neg\r\n');
    expect(r).toMatchObject({ container: "csv", format: "classification", rows: 2 });
    expect(r.profile.labels).toEqual({ pos: 1, neg: 1 });
    const e = parseError("c.csv", 'text,label\n"multi\nline",pos\nbad row\n');
    expect(e).toMatchObject({ kind: "wrong_column_count", line: 4 });
  });
  it("reports each kind of problem with its line and field", () => {
    expect(parseError("a.jsonl", "")).toMatchObject({ kind: "empty_file" });
    expect(parseError("a.jsonl", "\n\n  \n")).toMatchObject({ kind: "blank_file" });
    expect(parseError("a.jsonl", '{"text":"a"}\n{"text": "b",}\n')).toMatchObject({ kind: "malformed_json", line: 2 });
    expect(parseError("a.jsonl", '{"text":"a"}\n[1,2]\n').message).toBe(
      "line 2: expected a JSON object ({…}) on each line, got an array",
    );
    expect(parseError("a.jsonl", '{"text":"a"}\n42\n')).toMatchObject({ kind: "not_an_object", line: 2 });
    expect(parseError("a.jsonl", '{"text":"a"}\n{"prompt":"p","completion":"c"}\n')).toMatchObject({
      kind: "mixed_formats",
      line: 2,
      field: "prompt",
    });
    expect(parseError("a.jsonl", '{"foo":"a"}\n')).toMatchObject({ kind: "unknown_format", line: 1 });
    const e = parseError(
      "a.jsonl",
      chatFile + '{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":1}]}\n',
    );
    expect(e.message).toBe('line 3: field "messages[1].content" must be a string, got number');
    expect(e).toMatchObject({ kind: "wrong_type", line: 3, field: "messages[1].content" });
  });
  it("finds the line of invalid UTF-8 even inside a large block", () => {
    const good = '{"text":"é"}\n'.repeat(100);
    const bytes = new Uint8Array([...enc.encode(good), ...enc.encode('{"text":"'), 0xff, 0xfe, ...enc.encode('"}\n')]);
    expect(parseError("a.jsonl", bytes)).toMatchObject({ kind: "not_utf8", line: 101, extra: { byte: 10 } });
    // a character split across chunks is fine
    expect(parse("a.jsonl", good, { chunk: 1 }).rows).toBe(100);
  });
  it("checks a declared format", () => {
    expect(parse("a.jsonl", '{"text":"a"}\n', { declaredFormat: "text" }).format).toBe("text");
    expect(parseError("a.jsonl", '{"text":"a"}\n', { declaredFormat: "chat" })).toMatchObject({
      kind: "format_mismatch",
      line: 1,
      field: "text",
    });
    expect(parseError("a.jsonl", '{"text":"a"}\n', { declaredFormat: "classification" })).toMatchObject({
      kind: "missing_field",
      field: "label",
    });
  });
  it("refuses a line longer than the limit without buffering the rest", () => {
    const p = new DatasetParser({ filename: "a.jsonl", maxLineBytes: 1000 });
    p.push(enc.encode('{"text":"ok"}\n'));
    expect(() => {
      for (let i = 0; i < 100; i++) p.push(enc.encode("x".repeat(100)));
    }).toThrow(/line 2: longer than/);
  });
  it("needs a CSV header and a header with data", () => {
    expect(parseError("a.csv", "I loved it,positive\nmeh,negative\n")).toMatchObject({
      kind: "missing_header",
      line: 1,
    });
    expect(parseError("a.csv", "text,label\n")).toMatchObject({ kind: "no_rows" });
    expect(parseError("a.csv", "text,label\nfine,\n")).toMatchObject({
      kind: "invalid_value",
      line: 2,
      field: "label",
    });
  });
});

describe("ProfileAccumulator", () => {
  it("counts empty and duplicate rows on the normalized record, labels, fields and histogram", () => {
    const p = new ProfileAccumulator("classification", "jsonl");
    p.add({ text: "good", label: "pos", id: 1 });
    p.add({ id: 2, label: "pos ", text: " good " }); // same after normalization, other key order and id
    p.add({ text: "good", label: "neg" });
    p.add({ text: "   ", label: "neg" });
    p.add({ text: "x".repeat(150), label: "neg" });
    const prof = p.finish();
    expect(prof).toMatchObject({
      rows: 5,
      duplicateRows: 1,
      emptyRows: 1,
      labels: { neg: 3, pos: 2 },
      fields: ["id", "label", "text"],
    });
    expect(prof.lengthStats).toEqual({ min: 3, max: 150, mean: (4 + 6 + 4 + 3 + 150) / 5, p50: 4, p95: 150 });
    expect(prof.lengthHistogram[0]).toEqual({ start: 0, end: 25, count: 4 });
    expect(prof.lengthHistogram.find((b) => b.start === 150)?.count).toBe(1);
    expect(prof.approxTokens).toBe(Math.round(167 / 4));
    expect(prof.duplicatesExact).toBe(true);
  });
  it("keeps percentiles close with a bounded reservoir and truncates the sample", () => {
    const p = new ProfileAccumulator("text", "jsonl");
    const n = LENGTH_RESERVOIR_SIZE * 10;
    for (let i = 0; i < n; i++) p.add({ text: "y".repeat(i % 1000) + (i === 0 ? "z".repeat(1000) : "") });
    const prof = p.finish();
    expect(prof.rows).toBe(n);
    expect(prof.lengthStatsExact).toBe(false);
    expect(Math.abs(prof.lengthStats.p50 - 500)).toBeLessThan(30);
    expect(Math.abs(prof.lengthStats.p95 - 950)).toBeLessThan(30);
    expect(prof.lengthStats.max).toBe(1000);
    expect(prof.sample).toHaveLength(20);
    expect((prof.sample[0]!.text as string).length).toBe(SAMPLE_STRING_CHARS + 1);
    expect(prof.duplicateRows).toBe(n - 1001); // row 0 is unique (its "z"s), rows 1…999 and 1000 (empty) repeat every 1000
  });
});

describe("Hash64Set", () => {
  it("remembers distinct hashes, grows, and stops storing at its limit", () => {
    const s = new Hash64Set(5000, 4);
    for (let i = 0; i < 5000; i++) expect(s.add(...new Hash64().update(`row ${i}`).digest())).toBe(false);
    for (let i = 0; i < 5000; i++) expect(s.add(...new Hash64().update(`row ${i}`).digest())).toBe(true);
    expect(s.add(...new Hash64().update("one more").digest())).toBe(false);
    expect(s.full).toBe(true);
    expect(s.size).toBe(5000);
  });
});
