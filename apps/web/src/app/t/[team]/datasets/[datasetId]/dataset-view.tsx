"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { DatasetProfile } from "@whetstone/core";
import { ChevronLeft, Copy, FileText, Layers, Rows3, Trash2, Upload } from "lucide-react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { FormatBadge } from "@/components/format-badge";
import { UploadDropzone } from "@/components/upload-dropzone";
import {
  Alert,
  Badge,
  Button,
  ButtonLink,
  Card,
  CardBody,
  CardHeader,
  ConfirmDialog,
  CopyButton,
  PageHeader,
  Skeleton,
  Stat,
  Table,
  TBody,
  TD,
  TH,
  THead,
  TR,
  cn,
} from "@/components/ui";
import { formatBytes, formatCompact, formatDateTime, formatNumber, shortHash } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";

export function DatasetView({ team, datasetId }: { team: string; datasetId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const search = useSearchParams();
  const dataset = useQuery(trpc.datasets.get.queryOptions({ id: datasetId }));
  const versions = dataset.data?.versions ?? [];
  const latest = [...versions].sort((a, b) => b.version - a.version)[0];
  const selectedId = search.get("version") ?? latest?.id;
  const version = useQuery({
    ...trpc.datasets.getVersion.queryOptions({ id: selectedId ?? "" }),
    enabled: !!selectedId,
  });
  const [uploadOpen, setUploadOpen] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const del = useMutation(
    trpc.datasets.delete.mutationOptions({
      onSuccess: () => {
        void qc.invalidateQueries({ queryKey: trpc.datasets.list.queryKey() });
        router.push(`/t/${team}/datasets`);
      },
    }),
  );

  if (dataset.error) {
    const info = errorInfo(dataset.error);
    return (
      <Alert title={info.code === "NOT_FOUND" ? "Dataset not found" : "Could not load the dataset"}>
        {info.message}{" "}
        <Link className="underline" href={`/t/${team}/datasets`}>
          Back to datasets
        </Link>
      </Alert>
    );
  }
  const d = dataset.data;
  const v = version.data;
  const profile = v?.profile as DatasetProfile | undefined;

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href={`/t/${team}/datasets`} className="inline-flex items-center gap-1 hover:text-zinc-800">
            <ChevronLeft className="size-3.5" aria-hidden /> Datasets
          </Link>
        }
        title={d ? <span data-testid="dataset-name">{d.name}</span> : <Skeleton className="h-7 w-56" />}
        description={d?.description ?? undefined}
        actions={
          d && (
            <>
              <Button variant="secondary" onClick={() => setUploadOpen((o) => !o)} data-testid="upload-new-version">
                <Upload className="size-4" aria-hidden /> New version
              </Button>
              <ButtonLink href={`/t/${team}/jobs/new?dataset=${selectedId ?? ""}`} data-testid="train-on-dataset">
                Fine-tune on this
              </ButtonLink>
            </>
          )
        }
      />

      {uploadOpen && d && (
        <Card className="mb-6">
          <CardHeader
            title={`Upload version ${(latest?.version ?? 0) + 1} of ${d.name}`}
            description="Earlier versions stay available; jobs keep the version they trained on."
          />
          <div className="p-5">
            <UploadDropzone
              team={team}
              datasetName={d.name}
              compact
              onUploaded={(nv) => {
                void qc.invalidateQueries({ queryKey: trpc.datasets.get.queryKey({ id: datasetId }) });
                setUploadOpen(false);
                router.replace(`/t/${team}/datasets/${datasetId}?version=${nv.id}`);
              }}
            />
          </div>
        </Card>
      )}

      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4" data-testid="dataset-profile">
        <Stat
          label="Rows"
          icon={<Rows3 className="size-4" />}
          value={
            v ? <span data-testid="profile-rows">{formatNumber(v.rowCount)}</span> : <Skeleton className="h-7 w-20" />
          }
          hint={profile ? `≈ ${formatCompact(profile.approxTokens)} tokens` : undefined}
        />
        <Stat
          label="Size"
          icon={<FileText className="size-4" />}
          value={v ? formatBytes(v.bytes) : <Skeleton className="h-7 w-20" />}
          hint={v ? `${v.filename} · ${v.container.toUpperCase()}` : undefined}
        />
        <Stat
          label="Duplicates"
          icon={<Copy className="size-4" />}
          value={
            profile ? (
              <span data-testid="profile-duplicates">{formatNumber(profile.duplicateRows)}</span>
            ) : (
              <Skeleton className="h-7 w-16" />
            )
          }
          hint={profile && v ? pctHint(profile.duplicateRows, v.rowCount, "exact repeats") : undefined}
        />
        <Stat
          label="Empty rows"
          icon={<Layers className="size-4" />}
          value={
            profile ? (
              <span data-testid="profile-empty">{formatNumber(profile.emptyRows)}</span>
            ) : (
              <Skeleton className="h-7 w-16" />
            )
          }
          hint={profile && v ? pctHint(profile.emptyRows, v.rowCount, "no trainable text") : undefined}
        />
      </div>

      {profile && (profile.duplicateRows > 0 || profile.emptyRows > 0) && v && (
        <Alert tone="amber" className="mt-4" title="Data quality">
          {profile.duplicateRows > 0 &&
            `${formatNumber(profile.duplicateRows)} duplicate rows will be seen more than once per epoch. `}
          {profile.emptyRows > 0 &&
            `${formatNumber(profile.emptyRows)} rows have no trainable text and will be skipped.`}
        </Alert>
      )}

      <div className="mt-6 grid gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader
            title="Length distribution"
            description={
              profile
                ? `Characters per row · median ${formatNumber(Math.round(profile.lengthStats.p50))}, p95 ${formatNumber(Math.round(profile.lengthStats.p95))}, max ${formatNumber(profile.lengthStats.max)}`
                : "Characters per row"
            }
          />
          <CardBody>{profile ? <LengthHistogram profile={profile} /> : <Skeleton className="h-56 w-full" />}</CardBody>
        </Card>
        <Card>
          <CardHeader title="Details" />
          <CardBody className="space-y-3 text-sm">
            <Detail label="Format">{v ? <FormatBadge format={v.format} /> : <Skeleton className="h-5 w-24" />}</Detail>
            <Detail label="Version">{v ? <span data-testid="profile-version">v{v.version}</span> : "—"}</Detail>
            <Detail label="Uploaded">{v ? formatDateTime(v.createdAt) : "—"}</Detail>
            <Detail label="Fields">
              <div className="flex flex-wrap justify-end gap-1">
                {profile?.fields.map((f) => (
                  <Badge key={f} className="font-mono">
                    {f}
                  </Badge>
                ))}
              </div>
            </Detail>
            <Detail label="SHA-256">
              {v ? (
                <span className="flex items-center gap-2">
                  <code className="font-mono text-xs text-zinc-600" title={v.sha256} data-testid="profile-sha256">
                    {shortHash(v.sha256, 16)}…
                  </code>
                  <CopyButton value={v.sha256} label="Copy" />
                </span>
              ) : (
                "—"
              )}
            </Detail>
          </CardBody>
        </Card>
      </div>

      {profile?.labels && Object.keys(profile.labels).length > 0 && (
        <Card className="mt-6" data-testid="label-distribution">
          <CardHeader title="Label distribution" description={`${Object.keys(profile.labels).length} classes`} />
          <CardBody>
            <LabelBars labels={profile.labels} />
          </CardBody>
        </Card>
      )}

      <Card className="mt-6">
        <CardHeader
          title="First rows"
          description={v ? `The first ${v.sampleRows.length} rows as parsed` : undefined}
        />
        {v ? (
          <SampleTable rows={v.sampleRows} />
        ) : (
          <div className="p-5">
            <Skeleton className="h-32 w-full" />
          </div>
        )}
      </Card>

      <div className="mt-6 grid gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader title="Versions" description="Every upload is kept; pick one to see its profile." />
          <Table data-testid="dataset-versions">
            <THead>
              <tr>
                <TH>Version</TH>
                <TH>File</TH>
                <TH>Format</TH>
                <TH className="text-right">Rows</TH>
                <TH className="text-right">Size</TH>
                <TH>Uploaded</TH>
              </tr>
            </THead>
            <TBody>
              {[...versions]
                .sort((a, b) => b.version - a.version)
                .map((ver) => (
                  <TR
                    key={ver.id}
                    className={cn(ver.id === selectedId && "bg-accent-50/50")}
                    data-testid="dataset-version-row"
                  >
                    <TD>
                      <Link
                        href={`/t/${team}/datasets/${datasetId}?version=${ver.id}`}
                        className="font-medium text-zinc-900 hover:text-accent-700"
                      >
                        v{ver.version}
                      </Link>
                      {ver.id === latest?.id && (
                        <Badge tone="green" className="ml-2">
                          latest
                        </Badge>
                      )}
                    </TD>
                    <TD className="max-w-[14rem] truncate font-mono text-xs">{ver.filename}</TD>
                    <TD>
                      <FormatBadge format={ver.format} />
                    </TD>
                    <TD className="tabular text-right">{formatNumber(ver.rowCount)}</TD>
                    <TD className="tabular text-right">{formatBytes(ver.bytes)}</TD>
                    <TD className="text-zinc-500">{formatDateTime(ver.createdAt)}</TD>
                  </TR>
                ))}
            </TBody>
          </Table>
        </Card>
        <Card>
          <CardHeader title="Danger zone" />
          <CardBody>
            <p className="text-sm text-zinc-500">
              Deleting removes every version and its file. Jobs that are running on it must finish first.
            </p>
            {del.error && (
              <Alert className="mt-3" title="Could not delete">
                {errorInfo(del.error).message}
              </Alert>
            )}
            <Button
              variant="danger"
              className="mt-4"
              onClick={() => setConfirmDelete(true)}
              data-testid="delete-dataset"
            >
              <Trash2 className="size-4" aria-hidden /> Delete dataset
            </Button>
          </CardBody>
        </Card>
      </div>
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${d?.name ?? "dataset"}?`}
        description={`All ${versions.length} version(s) and their files will be removed. This cannot be undone.`}
        confirmLabel="Delete dataset"
        loading={del.isPending}
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => {
          setConfirmDelete(false);
          del.mutate({ id: datasetId });
        }}
      />
    </>
  );
}

function pctHint(n: number, total: number, what: string) {
  if (!total) return what;
  return `${((n / total) * 100).toFixed(n && n / total < 0.001 ? 2 : 1)}% · ${what}`;
}

function Detail({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex items-start justify-between gap-4">
      <span className="shrink-0 text-zinc-500">{label}</span>
      <span className="min-w-0 text-right text-zinc-900">{children}</span>
    </div>
  );
}

function LengthHistogram({ profile }: { profile: DatasetProfile }) {
  // Buckets are fixed (log-spaced); show the range that has rows.
  const first = profile.lengthHistogram.findIndex((b) => b.count > 0);
  const last = profile.lengthHistogram.findLastIndex((b) => b.count > 0);
  const data = (first < 0 ? [] : profile.lengthHistogram.slice(first, last + 1)).map((b) => ({
    range: `${formatCompact(b.start)}–${formatCompact(b.end)}`,
    count: b.count,
  }));
  if (!data.length) return <p className="py-10 text-center text-sm text-zinc-500">No rows with text.</p>;
  return (
    <div className="h-56" data-testid="length-histogram">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 4, right: 4, left: -12, bottom: 0 }}>
          <CartesianGrid vertical={false} stroke="#f4f4f5" />
          <XAxis
            dataKey="range"
            tick={{ fontSize: 11, fill: "#71717a" }}
            tickLine={false}
            axisLine={{ stroke: "#e4e4e7" }}
            interval="preserveStartEnd"
          />
          <YAxis tick={{ fontSize: 11, fill: "#71717a" }} tickLine={false} axisLine={false} allowDecimals={false} />
          <Tooltip
            cursor={{ fill: "rgba(99,102,241,0.06)" }}
            contentStyle={{ borderRadius: 8, border: "1px solid #e4e4e7", fontSize: 12 }}
            formatter={(value) => [formatNumber(Number(value)), "rows"]}
            labelFormatter={(l) => `${l} characters`}
          />
          <Bar dataKey="count" fill="#6366f1" radius={[4, 4, 0, 0]} maxBarSize={48} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function LabelBars({ labels }: { labels: Record<string, number> }) {
  const entries = Object.entries(labels).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  const max = entries[0]?.[1] ?? 1;
  const shown = entries.slice(0, 24);
  return (
    <div className="space-y-2">
      {shown.map(([label, n]) => (
        <div key={label} className="grid grid-cols-[10rem_1fr_6rem] items-center gap-3 text-sm">
          <span className="truncate font-mono text-xs text-zinc-700" title={label}>
            {label}
          </span>
          <div className="h-2.5 rounded-full bg-zinc-100">
            <div className="h-full rounded-full bg-accent-500" style={{ width: `${(n / max) * 100}%` }} />
          </div>
          <span className="tabular text-right text-xs text-zinc-500">
            {formatNumber(n)} · {((n / total) * 100).toFixed(1)}%
          </span>
        </div>
      ))}
      {entries.length > shown.length && (
        <p className="pt-1 text-xs text-zinc-500">and {entries.length - shown.length} more labels</p>
      )}
    </div>
  );
}

function cell(v: unknown): string {
  if (v == null) return "";
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((m) => m && typeof m === "object" && "role" in m)) {
    return (v as { role: string; content?: unknown }[])
      .map((m) => `${m.role}: ${typeof m.content === "string" ? m.content : JSON.stringify(m.content)}`)
      .join("\n");
  }
  return JSON.stringify(v);
}

function SampleTable({ rows }: { rows: Record<string, unknown>[] }) {
  if (!rows.length) return <p className="px-5 py-8 text-center text-sm text-zinc-500">No rows to preview.</p>;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return (
    <div className="max-h-[28rem] overflow-auto" data-testid="dataset-sample">
      <table className="w-full text-left text-[13px]">
        <thead className="sticky top-0 border-b border-zinc-100 bg-zinc-50 text-xs font-medium text-zinc-500">
          <tr>
            <th className="w-10 px-4 py-2 font-medium">#</th>
            {cols.map((c) => (
              <th key={c} className="px-4 py-2 font-mono font-medium">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">
          {rows.map((r, i) => (
            <tr key={i} className="align-top">
              <td className="tabular px-4 py-2.5 text-zinc-400">{i + 1}</td>
              {cols.map((c) => (
                <td key={c} className="max-w-md px-4 py-2.5 whitespace-pre-wrap text-zinc-700">
                  <div className="line-clamp-4">{cell(r[c])}</div>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
