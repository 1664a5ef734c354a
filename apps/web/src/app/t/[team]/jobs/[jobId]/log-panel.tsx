import { useEffect, useRef } from "react";
import { Badge, Card, CardHeader, cn } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import type { EventItem } from "./use-job-events";
import type { LiveStatus } from "./use-job-live";

const LEVEL_STYLE: Record<string, string> = {
  debug: "text-zinc-500",
  info: "text-zinc-200",
  warning: "text-amber-300",
  error: "text-red-400",
};

export function LogPanel({ events, live }: { events: EventItem[]; live: LiveStatus }) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [events.length]);
  return (
    <Card className="overflow-hidden">
      <CardHeader
        title="Logs and events"
        description={`${formatNumber(events.length)} lines`}
        action={live === "live" && <Badge tone="green">following</Badge>}
      />
      <div
        ref={ref}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
        className="h-80 overflow-auto bg-zinc-950 px-4 py-3 font-mono text-[12px] leading-relaxed"
        data-testid="job-log"
      >
        {events.length === 0 ? (
          <div className="text-zinc-500">No log lines yet.</div>
        ) : (
          events.map((e) => (
            <div key={e.id} className="flex gap-3" data-testid="job-log-line" data-kind={e.kind} data-level={e.level}>
              <span className="shrink-0 text-zinc-600 tabular">
                {new Date(e.createdAt).toLocaleTimeString("en-US", { hour12: false })}
              </span>
              {e.kind === "state" ? (
                <span className="text-accent-300">▸ {e.message}</span>
              ) : (
                <span className={cn("break-words whitespace-pre-wrap", LEVEL_STYLE[e.level])}>{e.message}</span>
              )}
            </div>
          ))
        )}
      </div>
    </Card>
  );
}
