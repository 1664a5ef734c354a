"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { DatasetDerivation, DatasetProfile, DatasetReadiness } from "@whetstone/core";
import { ChevronLeft, Upload } from "lucide-react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { UploadDropzone } from "@/components/upload-dropzone";
import {
  Alert,
  Button,
  ButtonLink,
  Card,
  CardBody,
  CardHeader,
  ConfirmDialog,
  PageHeader,
  Skeleton,
} from "@/components/ui";
import { formatNumber } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { LabelBars, LengthHistogram } from "./profile-charts";
import { DetailsCard, ProfileStats } from "./profile-summary";
import { AugmentCard, AugmentedNote } from "./augment-card";
import { DerivationNote, ReadinessCard } from "./readiness-card";
import { SampleTable } from "./sample-table";
import { DangerZoneCard, VersionsCard } from "./versions-card";

/**
 * One dataset: the selected version's profile (stats, length histogram, labels, first rows), its versions,
 * uploading a new version, and deleting the dataset.
 */
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
  const derivation = v?.derivation as DatasetDerivation | null | undefined;

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
              <ButtonLink
                href={`/t/${team}/jobs/new?dataset=${selectedId ?? ""}&datasetId=${datasetId}`}
                data-testid="train-on-dataset"
              >
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

      <ProfileStats version={v} profile={profile} />

      <DerivationNote team={team} datasetId={datasetId} derivation={derivation} />
      {derivation?.kind === "augmented" && <AugmentedNote team={team} datasetId={datasetId} derivation={derivation} />}
      <ReadinessCard
        team={team}
        datasetId={datasetId}
        versionId={v?.id}
        readiness={v?.readiness as DatasetReadiness | null | undefined}
        loading={!v}
      />
      {v && <AugmentCard team={team} datasetId={datasetId} versionId={v.id} format={v.format} rows={v.rowCount} />}

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
        <DetailsCard version={v} profile={profile} />
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
        <VersionsCard team={team} datasetId={datasetId} versions={versions} selectedId={selectedId} latest={latest} />
        <DangerZoneCard error={del.error} onDelete={() => setConfirmDelete(true)} />
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
