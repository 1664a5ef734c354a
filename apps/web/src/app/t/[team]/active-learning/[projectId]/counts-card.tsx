/** Where the picked rows stand (waiting, handed out, labelled, skipped, in conflict), and how the project is set up. */
import { DEFAULT_HYPERPARAMETERS, HYPERPARAMETER_FIELDS, type Hyperparameters } from "@whetstone/core";
import { Card, CardHeader } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import type { Project } from "../_components/strategies";

const COUNTS = [
  { key: "pending", label: "Waiting", hint: "picked, not handed out", dot: "bg-zinc-300" },
  { key: "assigned", label: "Handed out", hint: "with a labeller now", dot: "bg-sky-500" },
  { key: "labelled", label: "Labelled", hint: "agreed", dot: "bg-emerald-500" },
  { key: "skipped", label: "Skipped", hint: "left out of training", dot: "bg-zinc-400" },
  { key: "conflict", label: "Conflicts", hint: "labellers disagree", dot: "bg-amber-500" },
] as const;

export function CountsCard({ project: p }: { project: Project }) {
  // The settings that differ from the defaults (the project stores every one).
  const hp = Object.entries(p.hyperparameters)
    .filter(([k, v]) => k in HYPERPARAMETER_FIELDS && v !== DEFAULT_HYPERPARAMETERS[k as keyof Hyperparameters])
    .map(([k, v]) => `${HYPERPARAMETER_FIELDS[k as keyof Hyperparameters].label.toLowerCase()} ${String(v)}`);
  const settings: [string, string][] = [
    ["Held-out set", `${p.heldOut.name} v${p.heldOut.version} · ${formatNumber(p.heldOut.rows)} rows`],
    ["Seed", p.seed ? `${p.seed.name} v${p.seed.version} · ${formatNumber(p.seed.rows)} rows` : "none"],
    ["Each round trains from", p.trainFrom === "previous" ? "the previous round" : "the base"],
    ["Training", hp.length ? `LoRA · ${hp.join(" · ")}` : "LoRA · defaults"],
  ];
  return (
    <Card data-testid="al-counts" className="flex flex-col">
      <CardHeader
        title="Labels"
        description={`${formatNumber(p.counts.picked)} of ${formatNumber(p.pool.rows)} pool rows picked`}
      />
      <ul className="divide-y divide-zinc-100">
        {COUNTS.map((c) => (
          <li key={c.key} className="flex items-center gap-3 px-5 py-2.5" data-testid={`count-${c.key}`}>
            <span className={`size-2 rounded-full ${c.dot}`} aria-hidden />
            <span className="flex-1 text-sm text-zinc-700">
              {c.label} <span className="text-xs text-zinc-400">{c.hint}</span>
            </span>
            <span className="tabular text-sm font-semibold text-zinc-900" data-testid="count-value">
              {formatNumber(p.counts[c.key])}
            </span>
          </li>
        ))}
      </ul>
      <dl className="mt-auto space-y-1.5 border-t border-zinc-100 bg-zinc-50/60 px-5 py-3 text-xs">
        {settings.map(([k, v]) => (
          <div key={k} className="flex gap-2">
            <dt className="w-32 shrink-0 text-zinc-500">{k}</dt>
            <dd className="min-w-0 text-zinc-700">{v}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
