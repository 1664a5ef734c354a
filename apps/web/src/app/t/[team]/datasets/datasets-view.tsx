"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Database, Plus, X } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { UploadDropzone } from "@/components/upload-dropzone";
import { DataTable } from "@/components/data-table";
import { FormatBadge } from "@/components/format-badge";
import { Alert, Button, Card, CardHeader, EmptyState, PageHeader, TD, TR } from "@/components/ui";
import { formatBytes, formatNumber, formatRelative } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";

export function DatasetsView({ team }: { team: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const list = useQuery(trpc.datasets.list.queryOptions());
  const [showUpload, setShowUpload] = useState(false);
  const empty = list.data && list.data.length === 0;
  const uploadOpen = showUpload || empty;

  return (
    <>
      <PageHeader
        title="Datasets"
        description="Training data for your team. Each upload is validated row by row and profiled; re-uploading a name creates a new version."
        actions={
          !uploadOpen && (
            <Button onClick={() => setShowUpload(true)} data-testid="open-upload">
              <Plus className="size-4" aria-hidden /> Upload dataset
            </Button>
          )
        }
      />
      {uploadOpen && (
        <Card className="mb-6">
          <CardHeader
            title={empty ? "Upload your first dataset" : "Upload a dataset"}
            description="The file streams to the server and is parsed as it arrives; files of hundreds of MB are fine."
            action={
              !empty && (
                <Button variant="ghost" size="sm" onClick={() => setShowUpload(false)} aria-label="Close">
                  <X className="size-4" />
                </Button>
              )
            }
          />
          <div className="p-5">
            <UploadDropzone
              team={team}
              onUploaded={(v) => {
                void qc.invalidateQueries({ queryKey: trpc.datasets.list.queryKey() });
                router.push(`/t/${team}/datasets/${v.datasetId}?version=${v.id}`);
              }}
            />
          </div>
        </Card>
      )}
      {list.error && (
        <Alert title="Could not load datasets" className="mb-6">
          {errorInfo(list.error).message}
        </Alert>
      )}
      <Card>
        <DataTable
          loading={list.isLoading}
          rows={list.data}
          skeleton={{ rows: 4, cols: 5 }}
          empty={
            <EmptyState
              icon={Database}
              title="No datasets yet"
              description="Drop a JSONL, CSV or TSV file above. Chat transcripts, prompt/completion pairs, raw domain text or labelled examples all work."
            />
          }
          testId="datasets-table"
          columns={[
            { label: "Name" },
            { label: "Format" },
            { label: "Rows", className: "text-right" },
            { label: "Size", className: "text-right" },
            { label: "Versions", className: "text-right" },
            { label: "Updated" },
          ]}
          row={(d) => (
            <TR key={d.id} data-testid="dataset-row">
              <TD>
                <Link href={`/t/${team}/datasets/${d.id}`} className="font-medium text-zinc-900 hover:text-accent-700">
                  {d.name}
                </Link>
                {d.description && <div className="max-w-sm truncate text-xs text-zinc-500">{d.description}</div>}
              </TD>
              <TD>{d.latestVersion ? <FormatBadge format={d.latestVersion.format} /> : "—"}</TD>
              <TD className="tabular text-right">{formatNumber(d.latestVersion?.rowCount)}</TD>
              <TD className="tabular text-right">{formatBytes(d.latestVersion?.bytes)}</TD>
              <TD className="tabular text-right">v{d.latestVersion?.version ?? 0}</TD>
              <TD className="text-zinc-500">{formatRelative(d.updatedAt)}</TD>
            </TR>
          )}
        />
      </Card>
    </>
  );
}
