import Link from "next/link";
import { Trash2 } from "lucide-react";
import { FormatBadge } from "@/components/format-badge";
import { VerdictBadge } from "@/components/readiness";
import { Alert, Badge, Button, Card, CardBody, CardHeader, Table, TBody, TD, TH, THead, TR, cn } from "@/components/ui";
import { formatBytes, formatDateTime, formatNumber } from "@/lib/format";
import { errorInfo, type RouterOutputs } from "@/lib/trpc";

type Version = RouterOutputs["datasets"]["get"]["versions"][number];

/** Every uploaded version, newest first; the selected one highlighted, each a link to its profile. */
export function VersionsCard({
  team,
  datasetId,
  versions,
  selectedId,
  latest,
}: {
  team: string;
  datasetId: string;
  versions: Version[];
  selectedId?: string;
  latest?: Version;
}) {
  return (
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
            <TH>Readiness</TH>
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
                <TD title={ver.readiness?.reason}>
                  <VerdictBadge verdict={ver.readiness?.verdict} />
                  {ver.parentVersionId && (
                    <Badge className="ml-1" title="Made from another version (cleaned or augmented)">
                      derived
                    </Badge>
                  )}
                </TD>
                <TD className="text-zinc-500">{formatDateTime(ver.createdAt)}</TD>
              </TR>
            ))}
        </TBody>
      </Table>
    </Card>
  );
}

/** Delete the dataset (the page asks to confirm). */
export function DangerZoneCard({ error, onDelete }: { error: unknown; onDelete: () => void }) {
  return (
    <Card>
      <CardHeader title="Danger zone" />
      <CardBody>
        <p className="text-sm text-zinc-500">
          Deleting removes every version and its file. Jobs that are running on it must finish first.
        </p>
        {error != null && (
          <Alert className="mt-3" title="Could not delete">
            {errorInfo(error).message}
          </Alert>
        )}
        <Button variant="danger" className="mt-4" onClick={onDelete} data-testid="delete-dataset">
          <Trash2 className="size-4" aria-hidden /> Delete dataset
        </Button>
      </CardBody>
    </Card>
  );
}
