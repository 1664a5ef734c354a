import type { DatasetProfile } from "@whetstone/core";
import { Copy, FileText, Layers, Rows3 } from "lucide-react";
import { FormatBadge } from "@/components/format-badge";
import { Alert, Badge, Card, CardBody, CardHeader, CopyButton, Skeleton, Stat } from "@/components/ui";
import { formatBytes, formatCompact, formatDateTime, formatNumber, shortHash } from "@/lib/format";
import type { RouterOutputs } from "@/lib/trpc";

export type DatasetVersion = RouterOutputs["datasets"]["getVersion"];

const CONTAINER_NAMES: Record<string, string> = {
  json: "a JSON array",
  parquet: "Parquet",
  txt: "plain text (one document per blank-line–separated block)",
  jsonl: "JSON Lines",
  csv: "CSV",
  tsv: "TSV",
};

/** An upload converted to JSON Lines: its own name, container and checksum, and what the stored file is. */
function ConvertedUpload({ source, storedAs }: { source: NonNullable<DatasetProfile["source"]>; storedAs: string }) {
  return (
    <p className="mt-3 text-xs text-zinc-500" data-testid="converted-upload">
      Uploaded as <span className="font-mono text-zinc-700">{source.filename}</span> (
      {CONTAINER_NAMES[source.container] ?? source.container}
      {source.format === "sharegpt" ? ", ShareGPT conversations" : ""}, {formatBytes(source.bytes)}, sha256{" "}
      <span className="font-mono">{shortHash(source.sha256)}</span>); converted at upload to JSON Lines
      {source.format === "sharegpt" ? " in chat format (human → user, gpt → assistant, system → system)" : ""} as{" "}
      <span className="font-mono text-zinc-700">{storedAs}</span>, the file training reads. Row numbers on this page are
      lines of that file.
    </p>
  );
}

/** Rows, size, duplicates and empty rows of the version, and a warning when some rows are repeats or empty. */
export function ProfileStats({ version: v, profile }: { version?: DatasetVersion; profile?: DatasetProfile }) {
  return (
    <>
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
      {profile?.source && v && <ConvertedUpload source={profile.source} storedAs={v.filename} />}
      {profile?.preference && <PreferenceLengths stats={profile.preference} />}
      {/* Versions with a readiness report show these in its card instead. */}
      {profile && (profile.duplicateRows > 0 || profile.emptyRows > 0) && v && !v.readiness && (
        <Alert tone="amber" className="mt-4" title="Data quality">
          {profile.duplicateRows > 0 &&
            `${formatNumber(profile.duplicateRows)} duplicate rows will be seen more than once per epoch. `}
          {profile.emptyRows > 0 &&
            `${formatNumber(profile.emptyRows)} rows have no trainable text and will be skipped.`}
        </Alert>
      )}
    </>
  );
}

/** Format, version, upload time, fields and checksum of the version. */
export function DetailsCard({ version: v, profile }: { version?: DatasetVersion; profile?: DatasetProfile }) {
  return (
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
  );
}

/**
 * Preference pairs: how long the preferred and the rejected answers are. When the preferred one is nearly always the
 * longer (or the shorter), DPO can learn length instead of quality, so that is called out.
 */
function PreferenceLengths({ stats }: { stats: NonNullable<DatasetProfile["preference"]> }) {
  const share = stats.chosenLongerShare;
  const skewed = share >= 0.8 || share <= 0.2;
  return (
    <Alert tone={skewed ? "amber" : "blue"} className="mt-4" title="Preference pairs" testId="profile-preference">
      Preferred answers average {formatNumber(Math.round(stats.chosenMeanChars))} characters, rejected ones{" "}
      {formatNumber(Math.round(stats.rejectedMeanChars))}; the preferred answer is the longer one in{" "}
      {Math.round(share * 100)}% of pairs.
      {skewed &&
        " DPO may learn to prefer answers by their length rather than their quality: add pairs where it differs."}
    </Alert>
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
