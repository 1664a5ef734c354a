"use client";
/**
 * "Would active learning pay off here?" before anyone labels: replay the loop on a labelled dataset (its labels
 * hidden and revealed as an oracle would) for the project's strategy and random sampling. Shows the progress, then
 * how many labels the strategy needed to match random's full budget; the curves join the chart above.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { FlaskConical, XCircle } from "lucide-react";
import { useState } from "react";
import { Alert, Button, Card, CardBody, CardHeader, Field, Input, Progress } from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { EvaluationStateBadge } from "../../evaluations/_components/evaluation-status";
import { DatasetSelect } from "../new/dataset-select";
import { isFinalState, strategyLabel, type Project } from "../_components/strategies";
import { simulationReport } from "./curve-card";

export function SimulationCard(p: { project: Project; canWrite: boolean; onChange: () => void }) {
  const trpc = useTRPC();
  const datasets = useQuery(trpc.datasets.list.queryOptions());
  const [versionId, setVersionId] = useState("");
  const [rounds, setRounds] = useState("");
  const [initial, setInitial] = useState("");
  const simulate = useMutation(trpc.activeLearning.simulate.mutationOptions({ onSuccess: p.onChange }));
  const cancel = useMutation(trpc.activeLearning.cancelSimulation.mutationOptions({ onSuccess: p.onChange }));
  const sim = p.project.simulation;
  const running = sim && !isFinalState(sim.state);
  const err = simulate.error ? errorInfo(simulate.error) : null;
  const fieldErr = (f: string) => (err?.details?.field === f ? err.message : undefined);
  const rows = datasets.data?.find((d) => d.latestVersion?.id === versionId)?.latestVersion?.rowCount ?? 0;
  const k = p.project.batchSize;
  // Defaults that fit the dataset: 80% of it is the simulated pool, the rest its held-out set.
  const fitInitial = Math.max(1, Math.min(20, Math.floor(rows * 0.8 * 0.25)));
  const fitRounds = Math.max(1, Math.min(10, Math.floor((rows * 0.8 - fitInitial) / k)));

  return (
    <Card data-testid="simulation">
      <CardHeader
        title="Simulate first"
        description="Does picking beat random sampling on data like yours? Replays the loop on a labelled dataset."
        action={sim && <EvaluationStateBadge state={sim.state} />}
      />
      <CardBody className="space-y-4">
        {running && (
          <div data-testid="simulation-progress">
            <div className="mb-2 flex justify-between text-[13px] text-zinc-600">
              <span>
                {sim.progressTotal ? `${sim.progressDone} of ${sim.progressTotal} steps` : "Waiting for a runner…"}
              </span>
              <Button
                variant="ghost"
                size="sm"
                onClick={() => cancel.mutate({ simulationId: sim.id })}
                disabled={!p.canWrite}
              >
                <XCircle className="size-4" aria-hidden /> Cancel
              </Button>
            </div>
            <Progress value={sim.progressTotal ? sim.progressDone / sim.progressTotal : null} className="h-2" />
          </div>
        )}
        {sim?.state === "failed" && <Alert title="The simulation failed">{sim.error ?? "no reason was given"}</Alert>}
        <SimulationResult project={p.project} />
        {!running && (
          <div className="space-y-3">
            <DatasetSelect
              id="simulation-dataset"
              label="Labelled dataset"
              datasets={datasets.data ?? []}
              formats={["classification"]}
              value={versionId}
              onChange={setVersionId}
              error={fieldErr("datasetVersionId")}
              hint="Its labels stay hidden until the simulated loop asks for them."
            />
            <div className="grid grid-cols-2 gap-3">
              <Field label="First labels" htmlFor="sim-initial" error={fieldErr("settings.initialSize")}>
                <Input
                  id="sim-initial"
                  type="number"
                  min={1}
                  value={initial}
                  placeholder={rows ? String(fitInitial) : undefined}
                  onChange={(e) => setInitial(e.target.value)}
                />
              </Field>
              <Field
                label={`Rounds of ${k}`}
                htmlFor="sim-rounds"
                error={fieldErr("settings.rounds") ?? fieldErr("settings.batchSize")}
              >
                <Input
                  id="sim-rounds"
                  type="number"
                  min={1}
                  value={rounds}
                  placeholder={rows ? String(fitRounds) : undefined}
                  onChange={(e) => setRounds(e.target.value)}
                />
              </Field>
            </div>
            <Button
              variant="secondary"
              disabled={!p.canWrite || !versionId}
              loading={simulate.isPending}
              data-testid="simulate"
              onClick={() =>
                simulate.mutate({
                  projectId: p.project.id,
                  datasetVersionId: versionId,
                  settings: { initialSize: Number(initial) || fitInitial, rounds: Number(rounds) || fitRounds },
                })
              }
            >
              <FlaskConical className="size-4" aria-hidden /> {sim ? "Simulate again" : "Simulate"}
            </Button>
            {err && !err.details?.field?.toString().match(/^(datasetVersionId|settings\.)/) && (
              <p className="text-xs font-medium text-red-600" data-testid="simulate-error">
                {err.message}
              </p>
            )}
          </div>
        )}
      </CardBody>
    </Card>
  );
}

function SimulationResult({ project }: { project: Project }) {
  const report = simulationReport(project);
  if (!report) return null;
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  return (
    <div className="space-y-2 rounded-lg bg-zinc-50 px-4 py-3 text-sm" data-testid="simulation-result">
      <p className="text-zinc-600">
        Random sampling reached <b className="text-zinc-900">{pct(report.target.accuracy)}</b> accuracy with its full
        budget of <b className="text-zinc-900">{report.target.labels}</b> labels.
      </p>
      {Object.entries(report.labelsToTarget)
        .filter(([s]) => s !== "random")
        .map(([s, v]) => (
          <p key={s} className="text-zinc-800" data-testid="labels-to-target" data-strategy={s}>
            <b>{strategyLabel(s)}</b>{" "}
            {v.mean == null ? (
              <>did not reach it within the budget.</>
            ) : (
              <>
                needed <b className="tabular">{Math.round(v.mean)}</b> labels
                {v.std ? ` (± ${Math.round(v.std)})` : ""} to match it
                {v.mean < report.target.labels &&
                  ` — ${Math.round((1 - v.mean / report.target.labels) * 100)}% fewer labels`}
                .
              </>
            )}
          </p>
        ))}
    </div>
  );
}
