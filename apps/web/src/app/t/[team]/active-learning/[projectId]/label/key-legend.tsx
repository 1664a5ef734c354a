/** The keys of the labelling page, always in view. */
import { Keyboard } from "lucide-react";
import { Card, cn } from "@/components/ui";

const Key = ({ children }: { children: React.ReactNode }) => (
  <kbd className="inline-flex h-6 min-w-6 items-center justify-center rounded-md border border-zinc-200 bg-white px-1.5 font-mono text-[11px] text-zinc-700 shadow-[0_1px_0_rgba(0,0,0,0.06)]">
    {children}
  </kbd>
);

export function KeyLegend({ task, labels, disabled }: { task: string; labels: string[]; disabled?: boolean }) {
  const rows: [React.ReactNode, string][] =
    task === "classification"
      ? [
          [<Key key="n">1–{Math.min(9, labels.length)}</Key>, "pick that label"],
          [<Key key="e">Enter</Key>, "take the model's guess"],
        ]
      : [
          [<Key key="e">Enter</Key>, "accept the model's answer"],
          [<Key key="ed">E</Key>, "edit the answer"],
          [<Key key="c">⌘/Ctrl ↵</Key>, "submit the edited answer"],
        ];
  rows.push(
    [<Key key="s">S</Key>, "skip the row"],
    [
      <span key="u" className="inline-flex gap-1">
        <Key>U</Key>
        <Key>⌫</Key>
      </span>,
      "undo the last one",
    ],
    [
      <span key="a" className="inline-flex gap-1">
        <Key>←</Key>
        <Key>→</Key>
      </span>,
      "previous / next row",
    ],
  );
  return (
    <Card className={cn("px-4 py-3", disabled && "opacity-60")} data-testid="key-legend">
      <div className="mb-2 flex items-center gap-2 text-[13px] font-semibold text-zinc-800">
        <Keyboard className="size-4 text-zinc-400" aria-hidden /> Keys
      </div>
      <ul className="space-y-1.5 text-xs text-zinc-600">
        {rows.map(([k, what], i) => (
          <li key={i} className="flex items-center gap-2">
            <span className="w-[4.75rem] shrink-0">{k}</span>
            {what}
          </li>
        ))}
      </ul>
      {task === "classification" && labels.length > 0 && (
        <ul className="mt-3 space-y-1 border-t border-zinc-100 pt-2 text-xs text-zinc-600">
          {labels.slice(0, 9).map((l, i) => (
            <li key={l} className="flex items-center gap-2">
              <Key>{i + 1}</Key>
              <span className="truncate">{l}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
