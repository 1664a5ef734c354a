import Tokenizer, { TokenizerError } from "@streamparser/json/tokenizer.js";
import TokenParser, { TokenParserError } from "@streamparser/json/tokenparser.js";
import TokenType from "@streamparser/json/utils/types/tokenType.js";
import type { ParsedTokenInfo } from "@streamparser/json/utils/types/parsedTokenInfo.js";
import { DatasetError } from "./errors";

const LF = 0x0a;

/**
 * A file whose top level is one JSON array of objects (`[{…}, {…}]`, how LLaMA-Factory and many repositories ship
 * Alpaca and ShareGPT data), read element by element as the bytes arrive: memory holds one element, never the array.
 *
 * Tokenizing is @streamparser/json's (Tokenizer → TokenParser with the path `$.*` and `keepStack: false`, so each
 * element is handed over and dropped). What it does not give is a line number: it reports byte offsets. This class
 * counts the line feeds of each chunk up to the offset of every structural token, so an element is named by the line
 * its `{` is on and a syntax error by its line and column. A minified array on one line works (lines are not split
 * here), and an element longer than `maxElementBytes` is refused like an over-long JSONL line.
 */
export class JsonArrayReader {
  private readonly tokenizer = new Tokenizer();
  private readonly tokens = new TokenParser({ paths: ["$.*"], keepStack: false });
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private chunk: Uint8Array = new Uint8Array(0);
  /** Absolute offset of chunk[0]; line feeds are counted up to `counted`. */
  private chunkStart = 0;
  private counted = 0;
  private line = 1;
  private lineStart = 0;
  private depth = 0;
  private elementLine = 0;
  private elementStart = -1;
  private lastOffset = 0;
  private first = true;
  private closed = false;

  constructor(
    private readonly onElement: (value: unknown, line: number) => void,
    private readonly maxElementBytes: number,
  ) {
    this.tokenizer.onToken = (t) => this.onToken(t);
    this.tokens.onValue = ({ value }) => {
      this.elementStart = -1;
      this.onElement(value, this.elementLine);
    };
    this.tokens.onEnd = () => {
      this.closed = true;
    };
  }

  push(chunk: Uint8Array): void {
    if (this.first) {
      this.first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    if (chunk.length === 0) return;
    this.checkUtf8(chunk);
    this.chunk = chunk;
    try {
      this.tokenizer.write(chunk);
    } catch (e) {
      throw this.syntaxError(e);
    }
    this.countTo(this.chunkStart + chunk.length);
    this.chunkStart += chunk.length;
    if (this.elementStart >= 0 && this.chunkStart - this.elementStart > this.maxElementBytes) {
      const mib = Math.round((this.maxElementBytes / 1024 / 1024) * 10) / 10;
      throw new DatasetError(
        "line_too_long",
        `line ${this.elementLine}: the array element starting here is longer than ${mib} MiB`,
        this.elementLine,
        undefined,
        { maxLineBytes: this.maxElementBytes },
      );
    }
  }

  end(): void {
    try {
      this.utf8.decode();
    } catch {
      throw new DatasetError(
        "not_utf8",
        `line ${this.line}: not valid UTF-8 (the file ends inside a character)`,
        this.line,
      );
    }
    try {
      this.tokenizer.end();
    } catch (e) {
      throw this.syntaxError(e);
    }
    if (!this.closed) {
      throw new DatasetError(
        "malformed_json",
        `line ${this.line}: malformed JSON: the file ends before the array is closed with "]"`,
        this.line,
        undefined,
        { reason: "unterminated array" },
      );
    }
  }

  private checkUtf8(chunk: Uint8Array): void {
    try {
      this.utf8.decode(chunk, { stream: true });
    } catch {
      // The first bad byte of this chunk (one split across chunks counts from this chunk's start).
      let bad = 0;
      const d = new TextDecoder("utf-8", { fatal: true });
      for (let end = 1; end <= chunk.length; end++) {
        try {
          d.decode(chunk.subarray(bad, end), { stream: true });
          bad = end;
        } catch {
          break;
        }
      }
      this.chunk = chunk;
      this.countTo(this.chunkStart + bad);
      throw new DatasetError("not_utf8", `line ${this.line}: not valid UTF-8; save the file as UTF-8`, this.line);
    }
  }

  /** Advance the line count over the current chunk up to the absolute offset `to`. */
  private countTo(to: number): void {
    const from = Math.max(this.counted, this.chunkStart);
    const end = Math.min(to, this.chunkStart + this.chunk.length);
    for (let i = from - this.chunkStart; i < end - this.chunkStart; i++) {
      if (this.chunk[i] === LF) {
        this.line++;
        this.lineStart = this.chunkStart + i + 1;
      }
    }
    if (end > this.counted) this.counted = end;
  }

  private onToken(t: ParsedTokenInfo): void {
    this.countTo(t.offset);
    this.lastOffset = t.offset;
    switch (t.token) {
      case TokenType.LEFT_BRACE:
      case TokenType.LEFT_BRACKET:
        if (this.depth === 1) {
          this.elementLine = this.line;
          this.elementStart = t.offset;
        }
        this.depth++;
        break;
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_BRACKET:
        this.depth--;
        break;
      default:
        if (this.depth === 1) this.elementLine = this.line;
    }
    this.tokens.write(t);
  }

  private syntaxError(e: unknown): unknown {
    if (e instanceof DatasetError) return e;
    if (!(e instanceof TokenizerError) && !(e instanceof TokenParserError)) return e;
    let offset = this.lastOffset;
    const at = /absolute position "(\d+)"/.exec(e.message);
    if (at) offset = Number(at[1]);
    this.countTo(offset);
    const column = offset - this.lineStart + 1;
    let what: string;
    const unexpectedChar = /^Unexpected "(.*)" at/.exec(e.message);
    const unexpectedToken = /^Unexpected \w+ \((.*)\) in state (\w+)/.exec(e.message);
    if (unexpectedChar) what = `unexpected ${JSON.stringify(unexpectedChar[1])} at column ${column}`;
    else if (unexpectedToken) {
      const state = unexpectedToken[2];
      const hint =
        state === "COMMA" ? ' (a "," missing between elements?)' : state === "VALUE" ? " (a trailing comma?)" : "";
      what = `unexpected ${unexpectedToken[1]} at column ${column}${hint}`;
      if (state === "ENDED") what = `unexpected ${unexpectedToken[1]} after the array's closing "]"`;
    } else if (/ended in the middle of a token/.test(e.message)) {
      what = "the file ends inside a value";
    } else what = e.message;
    return new DatasetError("malformed_json", `line ${this.line}: malformed JSON: ${what}`, this.line, undefined, {
      reason: what,
    });
  }
}
