"use client";
/**
 * The job form's readiness summary: the verdict of the chosen data for this base model and these settings (the
 * API's readiness-for-job: each version's stored verdict, lengths in the model's tokens, split leakage, duplicates
 * between the datasets), and — when blocked — the reason to train anyway, which the audit log keeps.
 */
import { useQuery } from "@tanstack/react-query";
import type { ReadinessCheck } from "@whetstone/core";
import Link from "next/link";
import { CheckList, VerdictBadge } from "@/components/readiness";
import { Alert, Card, CardBody, CardHeader, Field, Skeleton, Textarea } from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";
import type { JobForm } from "./use-job-form";

export function ReadinessSummary({ form, team }: { form: JobForm; team: string }) {
  const trpc = useTRPC();
  const ids = form.mix.map((e) => e.datasetVersionId).filter(Boolean);
  const num = (k: "maxSeqLength" | "validationSplit" | "testSplit") => {
    const n = Number(form.hp[k]);
    return form.hp[k].trim() !== "" && Number.isFinite(n) ? n : undefined;
  };
  const input = {
    datasetVersionIds: ids.join(","),
    baseModelId: form.baseModelId || undefined,
    technique: form.technique ?? undefined,
    maxSeqLength: num("maxSeqLength"),
    validationSplit: num("validationSplit"),
    testSplit: num("testSplit"),
    validationDatasetVersionId: form.validationVersionId || undefined,
  };
  const q = useQuery({ ...trpc.datasets.jobReadiness.queryOptions(input), enabled: ids.length > 0, retry: false });
  const r = q.data;
  return (
    <Card data-testid="job-readiness" data-verdict={r?.verdict ?? ""}>
      <CardHeader
        title={
          <span className="flex items-center gap-2">Data readiness {r && <VerdictBadge verdict={r.verdict} />}</span>
        }
      />
      <CardBody className="space-y-3 p-0">
        {q.isLoading && ids.length > 0 && <Skeleton className="m-5 h-16" />}
        {q.error && (
          <Alert className="m-4" title="Readiness not available">
            {errorInfo(q.error).message}
          </Alert>
        )}
        {r && (
          <>
            <p className="px-5 pt-3 text-[13px] text-zinc-700" data-testid="job-readiness-reason">
              {r.reason}
            </p>
            <ul className="space-y-1 px-5 text-[13px]">
              {r.versions.map((v) => (
                <li key={v.datasetVersionId} className="flex items-center justify-between gap-2">
                  <span className="truncate text-zinc-600">
                    {v.dataset} v{v.version}
                  </span>
                  <VerdictBadge verdict={v.verdict} />
                </li>
              ))}
            </ul>
            <CheckList checks={r.checks as unknown as ReadinessCheck[]} />
            {r.verdict === "blocked" && (
              <div className="border-t border-zinc-100 px-5 py-3">
                <p className="mb-2 text-[13px] text-zinc-600">
                  Fix the data (open the dataset and make a cleaned version), or give a reason to train on it anyway;
                  the reason goes into the audit log.
                  {r.versions[0] && (
                    <>
                      {" "}
                      <DatasetLink
                        team={team}
                        versionId={r.versions.find((v) => v.verdict === "blocked")?.datasetVersionId}
                        form={form}
                      />
                    </>
                  )}
                </p>
                <Field
                  label="Reason to train anyway"
                  htmlFor="readiness-override"
                  error={form.err("readinessOverride.reason")}
                >
                  <Textarea
                    id="readiness-override"
                    rows={2}
                    value={form.overrideReason}
                    onChange={(e) => form.setOverrideReason(e.target.value)}
                    placeholder="e.g. synthetic test numbers, approved by the privacy officer"
                    data-testid="readiness-override-reason"
                  />
                </Field>
              </div>
            )}
          </>
        )}
      </CardBody>
    </Card>
  );
}

function DatasetLink({ team, versionId, form }: { team: string; versionId?: string; form: JobForm }) {
  const entry = form.mix.find((e) => e.datasetVersionId === versionId);
  if (!entry) return null;
  return (
    <Link className="underline" href={`/t/${team}/datasets/${entry.datasetId}?version=${versionId}`}>
      Open the dataset
    </Link>
  );
}
