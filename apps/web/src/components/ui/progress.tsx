import { cn } from "./cn";

/** A determinate bar when `value` is a number in [0, 1], indeterminate when null. */
export function Progress({
  value,
  className,
  tone = "accent",
  testId,
  label,
}: {
  value: number | null;
  className?: string;
  tone?: "accent" | "green" | "red";
  testId?: string;
  label?: string;
}) {
  const color = tone === "green" ? "bg-emerald-500" : tone === "red" ? "bg-red-500" : "bg-accent-600";
  const pct = value == null ? null : Math.max(0, Math.min(1, value)) * 100;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct == null ? undefined : Math.round(pct)}
      data-testid={testId}
      data-value={pct == null ? undefined : Math.round(pct)}
      className={cn("relative h-2 w-full overflow-hidden rounded-full bg-zinc-100", className)}
    >
      {pct == null ? (
        <div className={cn("animate-indeterminate absolute inset-y-0 w-2/5 rounded-full", color)} />
      ) : (
        <div
          className={cn("h-full rounded-full transition-[width] duration-300 ease-out", color)}
          style={{ width: `${pct}%` }}
        />
      )}
    </div>
  );
}
