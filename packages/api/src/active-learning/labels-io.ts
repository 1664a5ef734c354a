/**
 * Labels in and out as JSONL or CSV, so an external labelling tool can take part. Export: every picked row with its
 * status and agreed value. Import: one label per line, `row` (the pool row) and `label` (classification) or `answer`
 * (sft), applied as the caller's labels with the same rules as the labelling page — all lines or none: the first bad
 * line is refused with its number and field, and nothing is written.
 */
import { CsvReader } from "@whetstone/core";
import { AppError } from "../errors";
import type { ApiDeps } from "../trpc";
import { applyLabel, checkValue } from "./label-item";
import { findProject } from "./project-state";

export type LabelsFormat = "jsonl" | "csv";
export const MAX_IMPORT_CHARS = 10 * 1024 * 1024;
export const MAX_IMPORT_LINES = 10_000;

const csvField = (v: string | number | null) => {
  const s = v === null ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export async function exportLabels(
  deps: Pick<ApiDeps, "prisma">,
  actor: { teamId: string },
  input: { projectId: string; format: LabelsFormat },
) {
  const project = await findProject(deps.prisma, actor.teamId, input.projectId);
  const items = await deps.prisma.activeLearningItem.findMany({
    where: { projectId: project.id },
    orderBy: { poolRow: "asc" },
    select: { poolRow: true, text: true, value: true, status: true, round: { select: { number: true } } },
  });
  const field = project.task === "classification" ? "label" : "answer";
  const content =
    input.format === "jsonl"
      ? items
          .map((i) =>
            JSON.stringify({ row: i.poolRow, text: i.text, [field]: i.value, status: i.status, round: i.round.number }),
          )
          .join("\n") + (items.length ? "\n" : "")
      : [["row", "text", field, "status", "round"].join(",")]
          .concat(items.map((i) => [i.poolRow, i.text, i.value, i.status, i.round.number].map(csvField).join(",")))
          .join("\n") + "\n";
  return {
    filename: `${project.name.replace(/[^\w.-]+/g, "-")}-labels.${input.format}`,
    format: input.format,
    rows: items.length,
    content,
  };
}

interface Line {
  line: number;
  row: number;
  value: string;
}

function parseLines(format: LabelsFormat, content: string, field: string): Line[] {
  const out: Line[] = [];
  const bad = (line: number, message: string, f?: string) =>
    new AppError("BAD_REQUEST", `line ${line}: ${message}`, { line, ...(f ? { field: f } : {}) });
  const push = (line: number, rec: Record<string, unknown>) => {
    const rawRow = rec.row;
    const row = typeof rawRow === "string" && /^\d+$/.test(rawRow.trim()) ? Number(rawRow) : rawRow;
    if (typeof row !== "number" || !Number.isInteger(row) || row < 0)
      throw bad(line, `"row" must be a pool row number (0 or more)`, "row");
    const value = rec[field] ?? rec.value;
    if (typeof value !== "string") throw bad(line, `"${field}" is missing or not text`, field);
    if (out.length >= MAX_IMPORT_LINES) throw bad(line, `more than ${MAX_IMPORT_LINES} labels in one import`);
    out.push({ line, row, value });
  };
  if (format === "jsonl") {
    content.split("\n").forEach((text, i) => {
      if (!text.trim()) return;
      let rec: unknown;
      try {
        rec = JSON.parse(text);
      } catch (e) {
        throw bad(i + 1, `not valid JSON (${(e as Error).message})`);
      }
      if (typeof rec !== "object" || rec === null || Array.isArray(rec)) throw bad(i + 1, "each line is a JSON object");
      push(i + 1, rec as Record<string, unknown>);
    });
    return out;
  }
  let header: string[] | null = null;
  const reader = new CsvReader(",", (line, fields) => {
    if (!header) {
      header = fields.map((f) => f.trim());
      if (!header.includes("row")) throw bad(line, `the header names no "row" column`, "row");
      if (!header.includes(field) && !header.includes("value"))
        throw bad(line, `the header names no "${field}" column`, field);
      return;
    }
    push(line, Object.fromEntries(header.map((h, i) => [h, fields[i]])));
  });
  content.split("\n").forEach((text, i) => reader.pushLine(i + 1, text.replace(/\r$/, "")));
  reader.end();
  return out;
}

export async function importLabels(
  deps: Pick<ApiDeps, "prisma">,
  actor: { teamId: string; userId: string },
  input: { projectId: string; format: LabelsFormat; content: string },
) {
  const project = await findProject(deps.prisma, actor.teamId, input.projectId);
  if (input.content.length > MAX_IMPORT_CHARS) {
    throw new AppError("PAYLOAD_TOO_LARGE", `an import holds at most ${MAX_IMPORT_CHARS} characters`, {
      field: "content",
    });
  }
  const field = project.task === "classification" ? "label" : "answer";
  const lines = parseLines(input.format, input.content, field);
  if (lines.length === 0) throw new AppError("BAD_REQUEST", "the import holds no labels", { field: "content" });
  const values = lines.map((l) => {
    try {
      return checkValue(project, l.value, field);
    } catch (e) {
      throw new AppError("BAD_REQUEST", `line ${l.line}: ${(e as Error).message}`, { line: l.line, field });
    }
  });
  const items = await deps.prisma.activeLearningItem.findMany({
    where: { projectId: project.id, poolRow: { in: lines.map((l) => l.row) } },
    select: { id: true, poolRow: true },
  });
  const byRow = new Map(items.map((i) => [i.poolRow, i.id]));
  for (const l of lines) {
    if (!byRow.has(l.row)) {
      throw new AppError(
        "BAD_REQUEST",
        `line ${l.line}: row ${l.row} was not picked in this project; only picked rows are labelled`,
        {
          line: l.line,
          field: "row",
        },
      );
    }
  }
  await deps.prisma.$transaction(
    async (tx) => {
      for (const [i, l] of lines.entries()) {
        try {
          await applyLabel(tx, project.id, actor.userId, byRow.get(l.row)!, values[i]!);
        } catch (e) {
          if (e instanceof AppError)
            throw new AppError(e.code, `line ${l.line}: ${e.message}`, { line: l.line, field: "row" });
          throw e;
        }
      }
    },
    { timeout: 60_000 },
  );
  return { imported: lines.length };
}
