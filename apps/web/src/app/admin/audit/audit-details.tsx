/** Readable chips for an audit row's target and details; the raw JSON stays in the cell's tooltip. */

type Chip = { key: string; label: string; value: string; title?: string };

const LABELS: Record<string, string> = {
  maxConcurrentGpus: "concurrent GPUs",
  monthlyGpuHours: "GPU-h / month",
  usedHours: "used h",
  limitHours: "limit h",
  fromState: "was",
  toState: "now",
  currentJobId: "job",
  isAdmin: "admin",
};

/** A database id (cuid) or anything long enough to be one: shown short, full in the tooltip. */
const looksLikeId = (s: string) => /^c[a-z0-9]{20,}$/.test(s);

function label(key: string): string {
  return LABELS[key] ?? key.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

function short(v: unknown): string {
  if (v === null || v === undefined) return "none";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return String(Math.round(v * 100) / 100);
  if (typeof v === "string") {
    if (looksLikeId(v)) return `…${v.slice(-6)}`;
    return v.length > 48 ? `${v.slice(0, 47)}…` : v;
  }
  const json = JSON.stringify(v);
  return json.length > 48 ? `${json.slice(0, 47)}…` : json;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function detailChips(details: unknown): Chip[] {
  if (details === null || details === undefined) return [];
  if (!isRecord(details)) return [{ key: "value", label: "details", value: short(details) }];
  const chips: Chip[] = [];
  const { before, after, ...rest } = details;
  // A before/after pair (quota.set): one chip per field, "old → new"; unchanged fields are left out.
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const changed = keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    for (const k of changed.length > 0 ? changed : keys) {
      const b = before[k] === null ? "no limit" : short(before[k]);
      const a = after[k] === null ? "no limit" : short(after[k]);
      chips.push({ key: k, label: label(k), value: changed.length > 0 ? `${b} → ${a}` : a });
    }
  } else {
    if (before !== undefined) rest.before = before;
    if (after !== undefined) rest.after = after;
  }
  // A state change reads as one chip.
  if (typeof rest.fromState === "string" && typeof rest.toState === "string") {
    chips.push({ key: "state", label: "state", value: `${rest.fromState} → ${rest.toState}` });
    delete rest.fromState;
    delete rest.toState;
  }
  for (const [k, v] of Object.entries(rest)) {
    chips.push({ key: k, label: label(k), value: short(v), ...(typeof v === "string" ? { title: v } : {}) });
  }
  return chips;
}

export function AuditDetails({
  targetType,
  targetId,
  teamId,
  teamName,
  teamSlug,
  details,
}: {
  targetType: string | null;
  targetId: string | null;
  teamId: string | null;
  teamName: string | null;
  teamSlug: string | null;
  details: unknown;
}) {
  const chips: Chip[] = [];
  // An API key is named by its prefix in the details; its id adds nothing then.
  const redundantTarget = targetType === "api_key" && isRecord(details) && typeof details.prefix === "string";
  if (targetType && !redundantTarget) {
    // The target named rather than numbered: the team's name when the target is the row's team.
    const value =
      targetType === "team" && targetId === teamId && teamName ? teamName : targetId ? short(targetId) : "—";
    chips.push({
      key: "target",
      label: targetType.replace(/_/g, " "),
      value,
      ...(targetId ? { title: targetId } : {}),
    });
  }
  chips.push(...detailChips(details));
  if (chips.length === 0) return <span className="text-zinc-400">—</span>;
  return (
    <div className="flex flex-wrap gap-1.5">
      {chips.map((c) => {
        const link = c.key === "target" && targetType === "job" && targetId && teamSlug;
        const body = (
          <>
            <span className="text-zinc-500">{c.label}</span>
            <span className="font-medium text-zinc-800">{c.value}</span>
          </>
        );
        const cls =
          "inline-flex max-w-full items-center gap-1 rounded-md bg-zinc-50 px-1.5 py-0.5 text-xs whitespace-nowrap ring-1 ring-zinc-200 ring-inset";
        return link ? (
          <a
            key={c.key}
            href={`/t/${teamSlug}/jobs/${targetId}`}
            title={c.title}
            className={`${cls} hover:bg-zinc-100`}
          >
            {body}
          </a>
        ) : (
          <span key={c.key} title={c.title} className={cls}>
            {body}
          </span>
        );
      })}
    </div>
  );
}
