import { AlertTriangle, Info } from "lucide-react";
import { cn } from "./cn";

export function Alert({
  tone = "red",
  title,
  children,
  className,
  testId,
}: {
  tone?: "red" | "amber" | "blue";
  title: React.ReactNode;
  children?: React.ReactNode;
  className?: string;
  testId?: string;
}) {
  const styles = {
    red: "border-red-200 bg-red-50 text-red-800",
    amber: "border-amber-200 bg-amber-50 text-amber-900",
    blue: "border-sky-200 bg-sky-50 text-sky-900",
  }[tone];
  const Icon = tone === "blue" ? Info : AlertTriangle;
  return (
    <div
      role={tone === "red" ? "alert" : "status"}
      className={cn("flex gap-3 rounded-xl border px-4 py-3", styles, className)}
      data-testid={testId}
    >
      <Icon className="mt-0.5 size-4 shrink-0" aria-hidden />
      <div className="min-w-0 text-sm">
        <div className="font-semibold">{title}</div>
        {children && <div className="mt-1 opacity-90">{children}</div>}
      </div>
    </div>
  );
}
