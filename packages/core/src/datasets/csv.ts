import { DatasetError } from "./errors";

/**
 * RFC 4180 records from lines (the caller splits the file on LF and strips a CR before it): fields separated by
 * `delimiter`, a field in double quotes may hold the delimiter, `""` for a quote, and line breaks (kept as "\n").
 * A quote inside an unquoted field is taken literally; anything but a delimiter after a closing quote is an error.
 * Blank lines between records are skipped. `onRecord` gets the line a record starts on and its fields.
 */
export class CsvReader {
  private fields: string[] = [];
  private field = "";
  private inQuotes = false;
  private startLine = 0;
  private quoteLine = 0;

  constructor(
    private readonly delimiter: "," | "\t",
    private readonly onRecord: (line: number, fields: string[]) => void,
    private readonly maxRecordChars = 16 * 1024 * 1024,
  ) {}

  pushLine(lineNo: number, line: string): void {
    const d = this.delimiter;
    let i = 0;
    if (this.inQuotes) {
      this.field += "\n";
      if (this.field.length > this.maxRecordChars) {
        throw new DatasetError(
          "bad_quoting",
          `line ${this.quoteLine}: a quoted field in column ${this.fields.length + 1} runs past ${this.maxRecordChars} characters; is a closing quote missing?`,
          this.quoteLine,
          undefined,
          { column: this.fields.length + 1 },
        );
      }
    } else {
      if (line.length === 0 || line.trim() === "") return;
      this.startLine = lineNo;
      this.fields = [];
      this.field = "";
    }
    const n = line.length;
    for (;;) {
      if (this.inQuotes) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          this.field += line.slice(i);
          return; // the field goes on on the next line
        }
        this.field += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          this.field += '"';
          i = q + 2;
          continue;
        }
        this.inQuotes = false;
        i = q + 1;
        this.fields.push(this.field);
        this.field = "";
        if (i >= n) break;
        if (line[i] !== d) {
          throw new DatasetError(
            "bad_quoting",
            `line ${lineNo}: unexpected character ${JSON.stringify(line[i])} after the closing quote of column ${this.fields.length}; ` +
              `write a quote inside a quoted field as ""`,
            lineNo,
            undefined,
            { column: this.fields.length },
          );
        }
        i++;
        if (i >= n) {
          this.fields.push(""); // trailing delimiter: one more empty field
          break;
        }
      } else if (line.charCodeAt(i) === 34) {
        this.inQuotes = true;
        this.quoteLine = lineNo;
        i++;
      } else {
        const next = line.indexOf(d, i);
        if (next < 0) {
          this.fields.push(line.slice(i));
          break;
        }
        this.fields.push(line.slice(i, next));
        i = next + 1;
        if (i >= n) {
          this.fields.push("");
          break;
        }
      }
    }
    const fields = this.fields;
    this.fields = [];
    this.onRecord(this.startLine, fields);
  }

  /** Call at the end of the file: fails if a quoted field was never closed. */
  end(): void {
    if (this.inQuotes) {
      throw new DatasetError(
        "bad_quoting",
        `line ${this.quoteLine}: the quoted field in column ${this.fields.length + 1} is never closed (missing closing quote)`,
        this.quoteLine,
        undefined,
        { column: this.fields.length + 1 },
      );
    }
  }
}
