"use client";
/**
 * Labels in and out, for an external labelling tool: export every picked row with its status and agreed value as
 * JSONL or CSV; import `row` + `label` (or `answer`) lines — all or none, a bad line refused with its number.
 */
import { useMutation } from "@tanstack/react-query";
import { Download, FileUp } from "lucide-react";
import { useRef, useState } from "react";
import { Badge, Button, Card, CardBody, CardHeader } from "@/components/ui";
import { errorInfo, useTRPC, useTRPCClient } from "@/lib/trpc";
import type { Project } from "../_components/strategies";

function download(filename: string, content: string, type: string) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function LabelsIoCard({
  project: p,
  canWrite,
  onChange,
}: {
  project: Project;
  canWrite: boolean;
  onChange: () => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const input = useRef<HTMLInputElement>(null);
  const [exporting, setExporting] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const importer = useMutation(trpc.activeLearning.importLabels.mutationOptions({ onSuccess: onChange }));
  const field = p.task === "classification" ? "label" : "answer";

  const exportAs = async (format: "jsonl" | "csv") => {
    setExporting(format);
    setExportError(null);
    try {
      const out = await client.activeLearning.exportLabels.query({ projectId: p.id, format });
      download(out.filename, out.content, format === "csv" ? "text/csv" : "application/jsonl");
    } catch (e) {
      setExportError(errorInfo(e).message);
    } finally {
      setExporting(null);
    }
  };
  const importFile = async (file: File) => {
    const content = await file.text();
    importer.mutate({ projectId: p.id, format: /\.csv$/i.test(file.name) ? "csv" : "jsonl", content });
  };
  const err = importer.error ? errorInfo(importer.error) : null;

  return (
    <Card data-testid="labels-io">
      <CardHeader
        title="Labels in and out"
        description="For a labelling tool of your own, or a review in a spreadsheet."
      />
      <CardBody className="space-y-4">
        <div className="flex flex-wrap gap-2">
          {(["jsonl", "csv"] as const).map((f) => (
            <Button
              key={f}
              variant="secondary"
              size="sm"
              loading={exporting === f}
              disabled={p.counts.picked === 0}
              onClick={() => void exportAs(f)}
              data-testid={`export-${f}`}
            >
              <Download className="size-4" aria-hidden /> Export {f.toUpperCase()}
            </Button>
          ))}
          <Button
            variant="secondary"
            size="sm"
            loading={importer.isPending}
            disabled={!canWrite || p.counts.picked === 0}
            onClick={() => input.current?.click()}
            data-testid="import-labels"
          >
            <FileUp className="size-4" aria-hidden /> Import labels
          </Button>
          <input
            ref={input}
            type="file"
            accept=".jsonl,.json,.csv,application/json,text/csv"
            className="sr-only"
            data-testid="import-labels-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) void importFile(file);
            }}
          />
        </div>
        <p className="text-xs text-zinc-500">
          Import one line per picked row: <code>{`{"row": 12, "${field}": "…"}`}</code> in JSONL, or a CSV with{" "}
          <code>row</code> and <code>{field}</code> columns. Every line is applied or none.
        </p>
        {exportError && <p className="text-xs font-medium text-red-600">{exportError}</p>}
        {importer.isSuccess && (
          <p className="text-sm text-emerald-700" data-testid="import-result">
            Imported {importer.data.imported} label{importer.data.imported === 1 ? "" : "s"}.
          </p>
        )}
        {err && (
          <div
            className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
            data-testid="import-error"
          >
            {err.message}
            {(err.details?.line != null || err.details?.field != null) && (
              <span className="ml-2 inline-flex gap-1.5 align-middle">
                {err.details?.line != null && <Badge tone="red">line {String(err.details.line)}</Badge>}
                {err.details?.field != null && <Badge tone="red">{String(err.details.field)}</Badge>}
              </span>
            )}
          </div>
        )}
      </CardBody>
    </Card>
  );
}
