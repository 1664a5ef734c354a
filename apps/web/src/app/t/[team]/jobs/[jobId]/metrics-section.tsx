import { isTerminal, type JobState } from "@whetstone/core";
import { Card, CardBody, CardHeader, cn } from "@/components/ui";
import type { RouterOutputs } from "@/lib/trpc";
import { MetricChart } from "./charts";

type Series = RouterOutputs["jobs"]["metrics"]["series"];

/** The latest value of a metric, if it was reported. */
export const latestValue = (series: Series, name: string) => series.find((s) => s.name === name)?.points.at(-1)?.value;

/** Loss (train, validation and per-dataset validation) and, for classification, accuracy / F1 (preference tuning:
 *  reward accuracy). */
export function MetricsSection({ series, state }: { series: Series; state?: JobState }) {
  const names = series.map((s) => s.name);
  const lossNames = ["train_loss", "val_loss", ...names.filter((n) => n.startsWith("val_loss:")).sort()];
  const accNames = names.filter((n) => /accuracy|f1/.test(n));
  const latest = (n: string) => latestValue(series, n);
  return (
    <div className={cn("mt-6 grid gap-6", accNames.length > 0 && "lg:grid-cols-2")}>
      <Card>
        <CardHeader
          title="Loss"
          description={
            latest("train_loss") != null
              ? `train ${latest("train_loss")!.toFixed(4)}${latest("val_loss") != null ? ` · validation ${latest("val_loss")!.toFixed(4)}` : ""}`
              : "Training and validation loss per step"
          }
        />
        <CardBody>
          {series.some((s) => lossNames.includes(s.name) && s.points.length) ? (
            <MetricChart series={series} names={lossNames} testId="loss-chart" />
          ) : (
            <ChartPlaceholder state={state} testId="loss-chart" />
          )}
        </CardBody>
      </Card>
      {accNames.length > 0 && (
        <Card>
          <CardHeader
            title="Accuracy"
            description={
              latest("val_accuracy") != null
                ? `validation ${(latest("val_accuracy")! * 100).toFixed(1)}%`
                : latest("val_reward_accuracy") != null
                  ? // preference tuning: pairs whose preferred answer gets the higher DPO reward, and the mean margin
                    `validation reward accuracy ${(latest("val_reward_accuracy")! * 100).toFixed(1)}%` +
                    (latest("val_reward_margin") != null ? ` · margin ${latest("val_reward_margin")!.toFixed(3)}` : "")
                  : "Classification metrics on the validation split"
            }
          />
          <CardBody>
            <MetricChart series={series} names={accNames} testId="accuracy-chart" percent />
          </CardBody>
        </Card>
      )}
    </div>
  );
}

function ChartPlaceholder({ state, testId }: { state?: JobState; testId: string }) {
  const msg =
    state === "running"
      ? "Waiting for the first metrics…"
      : state && isTerminal(state)
        ? "This job reported no metrics."
        : "The chart fills in as soon as training starts.";
  return (
    <div
      className="flex h-[260px] flex-col items-center justify-center rounded-lg border border-dashed border-zinc-200 bg-zinc-50/50 text-sm text-zinc-500"
      data-testid={testId}
      data-points={0}
    >
      <svg viewBox="0 0 120 40" className="mb-3 w-28 text-zinc-300" aria-hidden>
        <path
          d="M2,6 C20,20 35,28 55,31 S95,35 118,36"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeDasharray="4 4"
        />
      </svg>
      {msg}
    </div>
  );
}
