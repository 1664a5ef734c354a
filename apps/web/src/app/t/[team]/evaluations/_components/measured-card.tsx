/** How an evaluation was measured: the evaluation set, the models, the bootstrap, the runner. */
import Link from "next/link";
import { Card, CardBody, CardHeader } from "@/components/ui";
import { formatDateTime, formatDuration, formatNumber } from "@/lib/format";
import type { TaskScores } from "./report";

export interface MeasuredEvaluation {
  splitKind: "test" | "all";
  splitFraction: number;
  seed: number;
  runnerName: string | null;
  startedAt: Date | string | null;
  finishedAt: Date | string | null;
  sourceJob: { id: string; name: string } | null;
  models: { label: string; name: string; reference: boolean; sourceJobId: string | null }[];
  datasets: { datasetId: string; datasetName: string; version: number; rows: number | null }[];
}

export function MeasuredCard({
  team,
  evaluation: e,
  tasks,
  bootstrap,
  methods = {},
}: {
  team: string;
  evaluation: MeasuredEvaluation;
  tasks?: TaskScores[];
  bootstrap?: Record<string, unknown>;
  /** How each model (by label) was scored, where the report says. */
  methods?: Record<string, string>;
}) {
  const examples = tasks?.reduce((n, t) => n + t.examples, 0);
  const resamples = typeof bootstrap?.resamples === "number" ? bootstrap.resamples : null;
  const confidence = typeof bootstrap?.confidence === "number" ? bootstrap.confidence : null;
  const duration =
    e.startedAt && e.finishedAt ? new Date(e.finishedAt).getTime() - new Date(e.startedAt).getTime() : null;
  return (
    <Card data-testid="evaluation-measured">
      <CardHeader title="How it was measured" />
      <CardBody>
        <dl className="grid gap-x-8 gap-y-4 text-[13px] sm:grid-cols-2 lg:grid-cols-4">
          <Item label="Evaluation set">
            {e.splitKind === "test" ? (
              <>
                the held-out test split ({Math.round(e.splitFraction * 100)}%, seed {e.seed})
                {e.sourceJob && (
                  <>
                    {" "}
                    of{" "}
                    <Link href={`/t/${team}/jobs/${e.sourceJob.id}`} className="text-accent-700 hover:underline">
                      {e.sourceJob.name}
                    </Link>
                  </>
                )}
                , never trained on
              </>
            ) : (
              "every row of the dataset versions"
            )}
          </Item>
          <Item label="Datasets">
            <ul className="space-y-0.5">
              {e.datasets.map((d) => (
                <li key={`${d.datasetId}-${d.version}`}>
                  <Link href={`/t/${team}/datasets/${d.datasetId}`} className="text-accent-700 hover:underline">
                    {d.datasetName}
                  </Link>{" "}
                  <span className="text-zinc-500">
                    v{d.version}
                    {d.rows != null && ` · ${formatNumber(d.rows)} rows`}
                  </span>
                </li>
              ))}
            </ul>
          </Item>
          {examples != null && (
            <Item label="Examples scored" testId="measured-examples">
              <span className="tabular">{formatNumber(examples)}</span>
              {tasks && tasks.length > 1 && (
                <span className="text-zinc-500"> ({tasks.map((t) => `${t.name} ${t.examples}`).join(", ")})</span>
              )}
            </Item>
          )}
          <Item label="Models">
            <ol className="space-y-0.5">
              {e.models.map((m) => (
                <li key={m.label} className="truncate">
                  {m.sourceJobId ? (
                    <Link href={`/t/${team}/jobs/${m.sourceJobId}`} className="text-accent-700 hover:underline">
                      {m.label}
                    </Link>
                  ) : (
                    m.label
                  )}
                  {m.reference && <span className="text-zinc-500"> · reference</span>}
                  {methods[m.label] && <span className="text-zinc-500"> · {methods[m.label]}</span>}
                </li>
              ))}
            </ol>
          </Item>
          {resamples != null && (
            <Item label="Confidence intervals" testId="measured-bootstrap">
              {confidence != null && `${Number((confidence * 100).toPrecision(3))}% `}paired bootstrap,{" "}
              <span className="tabular">{formatNumber(resamples)}</span> resamples of the examples (both models on each)
            </Item>
          )}
          {e.runnerName && <Item label="Runner">{e.runnerName}</Item>}
          {e.finishedAt && (
            <Item label="Finished">
              {formatDateTime(e.finishedAt)}
              {duration != null && <span className="text-zinc-500"> · took {formatDuration(duration)}</span>}
            </Item>
          )}
        </dl>
      </CardBody>
    </Card>
  );
}

function Item({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div data-testid={testId}>
      <dt className="text-xs font-medium text-zinc-500">{label}</dt>
      <dd className="mt-0.5 text-zinc-800">{children}</dd>
    </div>
  );
}
