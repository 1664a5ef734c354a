"use client";
/** The label set of a classification project: a name and an optional description per label, in key order (1…9). */
import { Plus, Trash2 } from "lucide-react";
import { Button, Input } from "@/components/ui";
import { FieldError } from "../../jobs/new/option-card";
import type { ProjectForm } from "./use-project-form";

export function LabelSetEditor({ f }: { f: ProjectForm }) {
  return (
    <div className="space-y-2" data-testid="label-set-editor">
      <div className="grid grid-cols-[2rem_minmax(0,14rem)_minmax(0,1fr)_2.25rem] gap-2 text-[13px] font-medium text-zinc-700">
        <span className="text-center text-xs text-zinc-400" title="The key that picks it while labelling">
          Key
        </span>
        <span>Label</span>
        <span>
          Description <span className="font-normal text-zinc-400">(optional, shown to labellers)</span>
        </span>
      </div>
      {f.labels.map((l, i) => {
        const error = f.errors[`labels.${i}.name`] ?? f.errors[`labels.${i}.description`];
        return (
          <div key={l.key} data-testid="label-row">
            <div className="grid grid-cols-[2rem_minmax(0,14rem)_minmax(0,1fr)_2.25rem] items-center gap-2">
              <kbd className="mx-auto flex size-6 items-center justify-center rounded-md border border-zinc-200 bg-zinc-50 font-mono text-xs text-zinc-500">
                {i < 9 ? i + 1 : "·"}
              </kbd>
              <Input
                aria-label={`Label ${i + 1} name`}
                value={l.name}
                placeholder={i === 0 ? "e.g. billing" : i === 1 ? "e.g. outage" : "label"}
                invalid={!!f.errors[`labels.${i}.name`]}
                onChange={(e) => f.setLabel(i, { ...l, name: e.target.value })}
                data-testid="label-name"
              />
              <Input
                aria-label={`Label ${i + 1} description`}
                value={l.description}
                placeholder="When to pick it"
                onChange={(e) => f.setLabel(i, { ...l, description: e.target.value })}
                data-testid="label-description"
              />
              <Button
                type="button"
                variant="ghost"
                size="sm"
                className="px-2"
                aria-label={`Remove label ${i + 1}`}
                disabled={f.labels.length <= 2}
                onClick={() => f.removeLabel(i)}
              >
                <Trash2 className="size-4" aria-hidden />
              </Button>
            </div>
            <FieldError error={error ?? null} className="mt-1 ml-10" />
          </div>
        );
      })}
      <FieldError error={f.errors.labels ?? null} />
      <div className="flex items-center justify-between pt-1">
        <Button type="button" variant="secondary" size="sm" onClick={f.addLabel} data-testid="add-label">
          <Plus className="size-4" aria-hidden /> Add a label
        </Button>
        <span className="text-xs text-zinc-500">
          The first nine are picked with the number keys; the held-out set may use only these labels.
        </span>
      </div>
    </div>
  );
}
