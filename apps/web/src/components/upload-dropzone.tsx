"use client";
/**
 * Drag-and-drop (or pick) a dataset file; uploads it with XMLHttpRequest so the bar shows real upload
 * progress, then reports the new version. The server streams the body into the parser (no size limit in
 * the way); an invalid file comes back as {error:{code,message,details:{line,field}}} and is shown here.
 */
import { AlertTriangle, CheckCircle2, FileUp, UploadCloud, X } from "lucide-react";
import { useCallback, useRef, useState } from "react";
import { formatBytes } from "@/lib/format";
import { Button, Field, Input, Progress, cn } from "./ui";

export interface UploadedVersion {
  id: string;
  datasetId: string;
  version: number;
  rowCount: number;
  format: string;
}

export interface UploadError {
  status: number;
  code: string;
  message: string;
  details: { line?: number; field?: string; [k: string]: unknown };
}

type Phase =
  | { kind: "idle" }
  | { kind: "uploading"; loaded: number; total: number }
  | { kind: "processing" }
  | { kind: "done"; version: UploadedVersion }
  | { kind: "error"; error: UploadError };

const ACCEPT = ".jsonl,.json,.csv,.tsv,.parquet,.txt";

function nameFromFile(filename: string): string {
  return filename
    .replace(/\.(jsonl|json|csv|tsv|parquet|txt)$/i, "")
    .replace(/[^a-zA-Z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .toLowerCase()
    .slice(0, 80);
}

export function uploadFile(
  url: string,
  file: File,
  onProgress: (loaded: number, total: number) => void,
  onUploaded: () => void,
): { promise: Promise<UploadedVersion>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<UploadedVersion>((resolve, reject) => {
    xhr.open("POST", url);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.upload.onload = () => onUploaded();
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status === 201) return resolve(body as UploadedVersion);
      const e = (body as { error?: Partial<UploadError> } | null)?.error;
      reject({
        status: xhr.status,
        code: e?.code ?? "UPLOAD_FAILED",
        message: e?.message ?? `the upload failed (HTTP ${xhr.status})`,
        details: (e?.details as UploadError["details"]) ?? {},
      } satisfies UploadError);
    };
    xhr.onerror = () =>
      reject({
        status: 0,
        code: "NETWORK",
        message: "the connection was lost during the upload",
        details: {},
      } satisfies UploadError);
    xhr.onabort = () =>
      reject({ status: 0, code: "ABORTED", message: "the upload was cancelled", details: {} } satisfies UploadError);
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

export function UploadDropzone({
  team,
  datasetName,
  onUploaded,
  compact,
}: {
  team: string;
  /** Upload a new version of this dataset; when absent the user names a new dataset. */
  datasetName?: string;
  onUploaded: (v: UploadedVersion) => void;
  compact?: boolean;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState(datasetName ?? "");
  const [description, setDescription] = useState("");
  const [dragging, setDragging] = useState(false);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const abortRef = useRef<(() => void) | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  const pick = useCallback(
    (f: File | undefined) => {
      if (!f) return;
      setFile(f);
      setPhase({ kind: "idle" });
      if (!datasetName) setName((n) => n || nameFromFile(f.name));
    },
    [datasetName],
  );

  const start = () => {
    if (!file || !name.trim()) return;
    const q = new URLSearchParams({ team, name: name.trim(), filename: file.name });
    if (description.trim()) q.set("description", description.trim());
    setPhase({ kind: "uploading", loaded: 0, total: file.size });
    const { promise, abort } = uploadFile(
      `/api/uploads?${q}`,
      file,
      (loaded, total) => setPhase({ kind: "uploading", loaded, total }),
      () => setPhase({ kind: "processing" }),
    );
    abortRef.current = abort;
    promise
      .then((v) => {
        setPhase({ kind: "done", version: v });
        onUploaded(v);
      })
      .catch((error: UploadError) => setPhase({ kind: "error", error }))
      .finally(() => (abortRef.current = null));
  };

  const busy = phase.kind === "uploading" || phase.kind === "processing";
  const pct =
    phase.kind === "uploading"
      ? phase.total
        ? phase.loaded / phase.total
        : 0
      : phase.kind === "processing" || phase.kind === "done"
        ? 1
        : 0;

  return (
    <div className="space-y-4">
      <div
        data-testid="dataset-dropzone"
        role="button"
        tabIndex={0}
        onClick={() => !busy && inputRef.current?.click()}
        onKeyDown={(e) => {
          if ((e.key === "Enter" || e.key === " ") && !busy) inputRef.current?.click();
        }}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          if (!busy) pick(e.dataTransfer.files[0]);
        }}
        className={cn(
          "flex cursor-pointer flex-col items-center justify-center rounded-xl border-2 border-dashed text-center transition-colors",
          compact ? "px-6 py-7" : "px-6 py-12",
          dragging
            ? "border-accent-400 bg-accent-50/70"
            : "border-zinc-200 bg-zinc-50/50 hover:border-zinc-300 hover:bg-zinc-50",
          busy && "cursor-default opacity-80",
        )}
      >
        <input
          ref={inputRef}
          type="file"
          accept={ACCEPT}
          className="sr-only"
          data-testid="dataset-file-input"
          onChange={(e) => pick(e.target.files?.[0])}
        />
        <div
          className={cn(
            "flex size-11 items-center justify-center rounded-xl ring-1",
            dragging ? "bg-accent-100 text-accent-700 ring-accent-200" : "bg-white text-zinc-500 ring-zinc-200",
          )}
        >
          <UploadCloud className="size-5" aria-hidden />
        </div>
        {file ? (
          <div className="mt-3">
            <div className="flex items-center justify-center gap-2 text-sm font-medium text-zinc-900">
              <FileUp className="size-4 text-zinc-400" aria-hidden />
              <span data-testid="selected-file">{file.name}</span>
              <span className="font-normal text-zinc-500">· {formatBytes(file.size)}</span>
            </div>
            <div className="mt-1 text-xs text-zinc-500">Click or drop to choose another file</div>
          </div>
        ) : (
          <div className="mt-3">
            <div className="text-sm font-medium text-zinc-900">
              Drop a file here, or <span className="text-accent-600">browse</span>
            </div>
            <div className="mt-1 text-xs text-zinc-500">
              JSONL, a JSON array, CSV, TSV, Parquet or plain text — chat (OpenAI or ShareGPT), prompt/completion,
              Alpaca, raw text, classification
            </div>
          </div>
        )}
      </div>

      {!datasetName && (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Dataset name" htmlFor="dataset-name" hint="Uploading to an existing name adds a new version.">
            <Input
              id="dataset-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="discharge-summaries"
              data-testid="dataset-name-input"
              disabled={busy}
            />
          </Field>
          <Field label="Description" htmlFor="dataset-description" hint="Optional.">
            <Input
              id="dataset-description"
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              placeholder="De-identified notes, 2023"
              disabled={busy}
            />
          </Field>
        </div>
      )}

      {phase.kind !== "idle" && phase.kind !== "error" && (
        <div className="rounded-xl border border-zinc-200 bg-white px-4 py-3">
          <div className="mb-2 flex items-center justify-between text-[13px]">
            <span className="font-medium text-zinc-800" data-testid="upload-status">
              {phase.kind === "uploading" && "Uploading…"}
              {phase.kind === "processing" && "Parsing and profiling rows…"}
              {phase.kind === "done" && (
                <span className="inline-flex items-center gap-1.5 text-emerald-700">
                  <CheckCircle2 className="size-4" aria-hidden /> Version {phase.version.version} ready ·{" "}
                  {phase.version.rowCount.toLocaleString()} rows
                </span>
              )}
            </span>
            <span className="tabular text-zinc-500">
              {phase.kind === "uploading"
                ? `${formatBytes(phase.loaded)} of ${formatBytes(phase.total)} · ${Math.round(pct * 100)}%`
                : phase.kind === "processing"
                  ? "100%"
                  : ""}
            </span>
          </div>
          <Progress
            value={phase.kind === "processing" ? null : pct}
            tone={phase.kind === "done" ? "green" : "accent"}
            testId="upload-progress"
            label="Upload progress"
          />
        </div>
      )}

      {phase.kind === "error" && <UploadErrorPanel error={phase.error} filename={file?.name} />}

      <div className="flex items-center justify-end gap-2">
        {busy && (
          <Button
            variant="ghost"
            type="button"
            onClick={() => abortRef.current?.()}
            disabled={phase.kind === "processing"}
          >
            <X className="size-4" aria-hidden /> Cancel
          </Button>
        )}
        <Button
          type="button"
          onClick={start}
          disabled={!file || !name.trim() || busy}
          loading={busy}
          data-testid="upload-submit"
        >
          {datasetName ? "Upload new version" : "Upload dataset"}
        </Button>
      </div>
    </div>
  );
}

export function UploadErrorPanel({ error, filename }: { error: UploadError; filename?: string }) {
  const { line, field } = error.details;
  return (
    <div role="alert" data-testid="upload-error" className="overflow-hidden rounded-xl border border-red-200 bg-red-50">
      <div className="flex gap-3 px-4 py-3.5">
        <AlertTriangle className="mt-0.5 size-5 shrink-0 text-red-600" aria-hidden />
        <div className="min-w-0 flex-1">
          <div className="text-sm font-semibold text-red-900">
            {error.status === 413
              ? "The file is too large"
              : line != null
                ? "The file has a problem"
                : "The upload failed"}
          </div>
          <p className="mt-1 text-sm break-words text-red-800" data-testid="upload-error-message">
            {error.message}
          </p>
          {(line != null || field) && (
            <div className="mt-3 flex flex-wrap gap-2">
              {filename && <Chip label="file" value={filename} />}
              {line != null && <Chip label="line" value={String(line)} testId="upload-error-line" />}
              {field && <Chip label="field" value={field} testId="upload-error-field" />}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

function Chip({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <span className="inline-flex items-center overflow-hidden rounded-md text-xs ring-1 ring-red-200">
      <span className="bg-red-100 px-2 py-1 font-medium text-red-700">{label}</span>
      <span className="bg-white px-2 py-1 font-mono text-red-900" data-testid={testId}>
        {value}
      </span>
    </span>
  );
}
