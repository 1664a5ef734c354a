"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { DatasetDerivation, DatasetReadiness } from "@whetstone/core";
import { Sparkles } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { CheckList, VerdictBadge } from "@/components/readiness";
import { Alert, Button, Card, CardHeader, Skeleton } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";

const REASON_WORDS: Record<string, string> = {
  exact_duplicate: "exact duplicates",
  near_duplicate: "near duplicates",
  label_conflict: "rows with conflicting labels",
};

/**
 * The version's readiness: verdict, its one line, every check with examples, and "Make a cleaned version" (drops
 * duplicates and conflicts, masks personal data) when there is something to clean.
 */
export function ReadinessCard({
  team,
  datasetId,
  versionId,
  readiness,
  loading,
}: {
  team: string;
  datasetId: string;
  versionId?: string;
  readiness: DatasetReadiness | null | undefined;
  loading: boolean;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const clean = useMutation(
    trpc.datasets.clean.mutationOptions({
      onSuccess: (v) => {
        void qc.invalidateQueries({ queryKey: trpc.datasets.get.queryKey({ id: datasetId }) });
        // The job form pre-selects a dataset's latest version from the list: it must see the new one.
        void qc.invalidateQueries({ queryKey: trpc.datasets.list.queryKey() });
        router.replace(`/t/${team}/datasets/${datasetId}?version=${v.id}`);
      },
    }),
  );
  if (loading) {
    return (
      <Card className="mt-6">
        <CardHeader title="Readiness" />
        <div className="p-5">
          <Skeleton className="h-24 w-full" />
        </div>
      </Card>
    );
  }
  if (!readiness) {
    return (
      <Alert tone="blue" className="mt-6" title="Readiness not checked">
        This version was uploaded before readiness checks existed. Upload it again to check it.
      </Alert>
    );
  }
  const count = (id: string) => readiness.checks.find((c) => c.id === id)?.count ?? 0;
  const cleanable =
    count("exact_duplicates") + count("near_duplicates") + count("label_conflicts") + count("personal_data") > 0;
  const tone =
    readiness.verdict === "blocked" ? "border-red-200" : readiness.verdict === "ready" ? "" : "border-amber-200";
  return (
    <Card className={`mt-6 ${tone}`} data-testid="readiness-card" data-verdict={readiness.verdict}>
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            Readiness <VerdictBadge verdict={readiness.verdict} />
          </span>
        }
        description={<span data-testid="readiness-reason">{readiness.reason}</span>}
        action={
          cleanable && versionId ? (
            <Button
              variant={readiness.verdict === "blocked" ? "primary" : "secondary"}
              size="sm"
              loading={clean.isPending}
              onClick={() => clean.mutate({ id: versionId })}
              data-testid="clean-version"
            >
              <Sparkles className="size-4" aria-hidden /> Make a cleaned version
            </Button>
          ) : undefined
        }
      />
      {clean.error && (
        <Alert className="mx-5 mt-4" title="Could not make a cleaned version" testId="clean-error">
          {errorInfo(clean.error).message}
        </Alert>
      )}
      <CheckList checks={readiness.checks} />
      <p className="border-t border-zinc-100 px-5 py-2 text-xs text-zinc-500">
        Near duplicates: rows at least {Math.round(readiness.settings.nearDuplicateThreshold * 100)}% alike (MinHash of
        character 5-grams). Personal data is shown masked and is never stored in clear.
        {cleanable &&
          " A cleaned version drops duplicates and conflicting rows and replaces personal data with placeholders."}
      </p>
    </Card>
  );
}

/** What a derived (cleaned) version was made from, and what was removed and masked. */
export function DerivationNote({
  team,
  datasetId,
  derivation,
}: {
  team: string;
  datasetId: string;
  derivation: DatasetDerivation | null | undefined;
}) {
  if (!derivation || derivation.kind !== "cleaned") return null;
  const masked = Object.entries(derivation.masked);
  return (
    <Alert tone="blue" className="mt-6" title={`Cleaned from v${derivation.sourceVersion}`} testId="derivation-note">
      <Link className="underline" href={`/t/${team}/datasets/${datasetId}?version=${derivation.sourceVersionId}`}>
        v{derivation.sourceVersion}
      </Link>{" "}
      had {formatNumber(derivation.rowsBefore)} rows; this version keeps {formatNumber(derivation.rowsAfter)}.{" "}
      {derivation.removed.length > 0 &&
        `Removed ${derivation.removed
          .map(
            (r) =>
              `${formatNumber(r.rows)} ${REASON_WORDS[r.reason] ?? r.reason} (lines ${r.lines.slice(0, 5).join(", ")}${r.rows > 5 ? ", …" : ""})`,
          )
          .join("; ")}. `}
      {masked.length > 0 && `Masked ${masked.map(([k, n]) => `${formatNumber(n)} ${k}`).join(", ")} with placeholders.`}
    </Alert>
  );
}
