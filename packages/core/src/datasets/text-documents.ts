import { DatasetError } from "./errors";

/**
 * Plain text (`.txt`) for continued pre-training: ONE DOCUMENT PER BLANK-LINE–SEPARATED BLOCK. A line that is empty
 * or only whitespace ends a document; the lines of a block are kept with their line breaks (a trailing CR dropped).
 * Each document becomes a `{"text": …}` row named by the line it starts on. A file without blank lines is one
 * document. Blocks rather than the whole file: most corpora separate their documents (articles, notes, sections)
 * that way, the training still packs them into full sequences, and the profile, duplicates and readiness checks work
 * per document; one huge document would give a profile of one row. To keep a block with blank lines inside as one
 * document, upload JSON Lines with a `text` field instead.
 */
export class TextDocuments {
  private lines: string[] = [];
  private chars = 0;
  private startLine = 0;

  constructor(
    private readonly onDocument: (text: string, line: number) => void,
    private readonly maxDocumentChars: number,
  ) {}

  pushLine(lineNo: number, l: string): void {
    if (l.length === 0 || (l.charCodeAt(0) <= 32 && l.trim() === "")) {
      this.flush();
      return;
    }
    if (this.lines.length === 0) this.startLine = lineNo;
    this.chars += l.length + 1;
    if (this.chars > this.maxDocumentChars) {
      const mib = Math.round((this.maxDocumentChars / 1024 / 1024) * 10) / 10;
      throw new DatasetError(
        "line_too_long",
        `line ${this.startLine}: the document starting here is longer than ${mib} MiB; separate documents with a blank line`,
        this.startLine,
        undefined,
        { maxLineBytes: this.maxDocumentChars },
      );
    }
    this.lines.push(l);
  }

  end(): void {
    this.flush();
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join("\n");
    this.lines = [];
    this.chars = 0;
    this.onDocument(text, this.startLine);
  }
}
