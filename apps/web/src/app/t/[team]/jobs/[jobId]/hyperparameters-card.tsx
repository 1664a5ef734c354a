import { HYPERPARAMETER_FIELD_LIST, hyperparameterApplies, type HyperparameterField } from "@whetstone/core";
import { Card, CardHeader } from "@/components/ui";
import type { Job } from "./use-job";

const FIELDS = new Map<string, HyperparameterField>(HYPERPARAMETER_FIELD_LIST.map((f) => [f.key, f]));
const rank = (k: string) => {
  const i = HYPERPARAMETER_FIELD_LIST.findIndex((f) => f.key === k);
  return i < 0 ? HYPERPARAMETER_FIELD_LIST.length : i;
};

/** The job's hyperparameters, those its method and technique use, in the form's order; then its priority. */
export function HyperparametersCard({ job: j }: { job?: Job }) {
  if (!j) return null;
  const entries = Object.entries(j.hyperparameters)
    .filter(([k]) => {
      const f = FIELDS.get(k);
      return !f || hyperparameterApplies(f, j);
    })
    .sort(([a], [b]) => rank(a) - rank(b));
  return (
    <Card>
      <CardHeader title="Hyperparameters" />
      <dl className="divide-y divide-zinc-100 text-[13px]" data-testid="job-hyperparameters">
        {entries.map(([k, v]) => {
          const f = FIELDS.get(k);
          return (
            <div key={k} className="flex justify-between gap-3 px-5 py-2">
              <dt className="text-zinc-500">{f ? (f.shortLabel ?? f.label) : k}</dt>
              <dd className="tabular font-mono text-xs text-zinc-800" data-testid={`hp-value-${k}`}>
                {v == null ? "—" : typeof v === "boolean" ? (v ? "yes" : "no") : String(v)}
              </dd>
            </div>
          );
        })}
        <div className="flex justify-between gap-3 px-5 py-2">
          <dt className="text-zinc-500">Priority</dt>
          <dd className="font-mono text-xs text-zinc-800">{j.priority}</dd>
        </div>
      </dl>
    </Card>
  );
}
