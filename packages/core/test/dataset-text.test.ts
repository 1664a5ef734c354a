/**
 * Every escape and control-character path of the streamed parsers (JSONL, CSV, TSV): valid JSON strings with control
 * characters are accepted; NUL and lone surrogates, which no store or tokenizer keeps, are refused with the line
 * and field; nothing else throws.
 */
import { describe, expect, it } from "vitest";
import { DatasetError, DatasetParser, type DatasetParseResult } from "../src";

const enc = new TextEncoder();

function parse(filename: string, bytes: Uint8Array | string): DatasetParseResult {
  const p = new DatasetParser({ filename });
  const b = typeof bytes === "string" ? enc.encode(bytes) : bytes;
  for (let i = 0; i < b.length; i += 7) p.push(b.subarray(i, i + 7)); // odd chunks: escapes split across pushes
  return p.end();
}
function refusal(filename: string, bytes: Uint8Array | string): DatasetError {
  try {
    parse(filename, bytes);
  } catch (e) {
    if (e instanceof DatasetError) return e;
    throw e;
  }
  throw new Error("expected a DatasetError");
}
const jsonl = (...lines: string[]) => lines.join("\n") + "\n";
const ok = '{"text":"plain","label":"a"}';

describe("JSONL escapes", () => {
  const accepted: [string, string][] = [
    ["\\u001f", "\u001f"],
    ["\\u0001", "\u0001"],
    ["\\u0007", "\u0007"],
    ["\\b\\f\\n\\r\\t", "\b\f\n\r\t"],
    ["\\u007f", "\u007f"],
    ["\\u0085\\u2028\\u2029", "\u0085\u2028\u2029"],
    ["\\ufeff\\ufffe\\uffff", "\ufeff\ufffe\uffff"],
    ["\\ud83d\\ude00", "😀"],
    ['\\"\\\\\\/', '"\\/'],
  ];
  it.each(accepted)("accepts %s as the character it spells", (escape, decoded) => {
    const r = parse("x.jsonl", jsonl(ok, `{"text":"a${escape}b","label":"b"}`));
    expect(r.rows).toBe(2);
    expect(JSON.stringify(r.profile)).not.toContain("\u0000");
    expect(JSON.parse(`"a${escape}b"`)).toBe(`a${decoded}b`);
  });

  const refused: [string, string, string, string][] = [
    ["NUL in a value", '{"text":"ab\\u0000c","label":"x"}', "text", "\\u0000"],
    ["NUL as the whole value", '{"text":"\\u0000","label":"x"}', "text", "\\u0000"],
    ["a lone high surrogate", '{"text":"a\\ud800","label":"x"}', "text", "\\ud800"],
    ["a lone low surrogate", '{"text":"\\udc00z","label":"x"}', "text", "\\udc00"],
    ["surrogates in the wrong order", '{"text":"\\ude00\\ud83d","label":"x"}', "text", "\\ude00"],
    ["NUL in a label", '{"text":"t","label":"x\\u0000"}', "label", "\\u0000"],
    [
      "NUL deep in a chat",
      '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"\\u0000"}]}',
      "messages[1].content",
      "\\u0000",
    ],
    ["NUL in a key", '{"text":"t","la\\u0000bel":"x"}', '["la\\u0000bel"]', "\\u0000"],
    ["a lone surrogate in a key", '{"\\ud800":"x","text":"t"}', '["\\ud800"]', "\\ud800"],
  ];
  it.each(refused)("refuses %s with the line and the field", (_what, line, field, escape) => {
    const e = refusal("x.jsonl", jsonl(ok, line));
    expect(e.kind).toBe("invalid_character");
    expect(e.line).toBe(2);
    expect(e.field).toBe(field);
    expect(e.extra.character).toBe(escape);
    expect(e.message).toMatch(/^line 2: field /);
    expect(e.message).not.toContain("\u0000");
  });

  it("refuses raw control bytes inside a JSON string as malformed JSON (the JSON grammar), with the line", () => {
    for (const raw of [0x00, 0x01, 0x09, 0x1f]) {
      const bytes = new Uint8Array([
        ...enc.encode(jsonl(ok)),
        ...enc.encode('{"text":"a'),
        raw,
        ...enc.encode('b"}\n'),
      ]);
      const e = refusal("x.jsonl", bytes);
      expect(e.kind).toBe("malformed_json");
      expect(e.line).toBe(2);
    }
  });

  it("refuses a malformed escape as malformed JSON", () => {
    for (const bad of ["\\u00zz", "\\x41", "\\u12", "\\"]) {
      const e = refusal("x.jsonl", jsonl(ok, `{"text":"a${bad}"}`));
      expect(e.kind).toBe("malformed_json");
      expect(e.line).toBe(2);
    }
  });
});

describe("CSV and TSV control characters", () => {
  for (const [ext, d] of [
    ["csv", ","],
    ["tsv", "\t"],
  ] as const) {
    it(`${ext}: keeps C0 control characters other than NUL, raw or quoted`, () => {
      const text = `text${d}label\na\u0001b${d}x\n"q\u001fq"${d}y\nc\u007f${d}z\n`;
      const r = parse(`x.${ext}`, text);
      expect(r.rows).toBe(3);
    });

    it(`${ext}: refuses a raw NUL byte with the line and the column's field`, () => {
      const e = refusal(`x.${ext}`, `text${d}label\nfine${d}x\nbad\u0000${d}y\n`);
      expect(e.kind).toBe("invalid_character");
      expect([e.line, e.field]).toEqual([3, "text"]);
      const q = refusal(`x.${ext}`, `text${d}label\n"multi\nline\u0000"${d}y\n`);
      expect([q.line, q.field]).toEqual([2, "text"]);
    });

    it(`${ext}: refuses a NUL in a header name at the first row`, () => {
      const e = refusal(`x.${ext}`, `text${d}la\u0000bel\nfine${d}x\n`);
      expect(e.kind).toBe("invalid_character");
      expect(e.line).toBe(2);
    });
  }
});
