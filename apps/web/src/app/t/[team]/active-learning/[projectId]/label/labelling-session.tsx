"use client";
/** A member's labelling session: the batch's progress, the row in view with its choices, and the moves. */
import { ArrowLeft, ArrowRight, CheckCircle2, Inbox, Loader2, SkipForward, Undo2 } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { Alert, Button, ButtonLink, Card, EmptyState, Progress, Skeleton } from "@/components/ui";
import { batchProgress, type Project } from "../../_components/strategies";
import { AnswerEditor, ItemHeader, ItemShell, ItemText, LabelChoices, readPrediction } from "./item-card";
import { useLabelKeys } from "./use-label-keys";
import { useLabelling } from "./use-labelling";

export function LabellingSession({ project: p, projectHref }: { project: Project; projectHref: string }) {
  const s = useLabelling(p.id, true);
  const item = s.current;
  const outcome = item ? s.outcomes[item.id] : undefined;
  const prediction = readPrediction(item?.prediction);
  const suggestedAnswer = prediction && "answer" in prediction ? prediction.answer : null;
  const [answer, setAnswer] = useState("");
  const editor = useRef<HTMLTextAreaElement>(null);
  const itemId = item?.id;
  useEffect(() => {
    setAnswer(outcome?.kind === "label" && outcome.value ? outcome.value : (suggestedAnswer ?? ""));
    // Only when another row comes into view: the field keeps what is typed.
  }, [itemId]);

  const classification = p.task === "classification";
  const submitAnswer = () => {
    if (!answer.trim()) return;
    editor.current?.blur();
    s.label(answer);
  };
  useLabelKeys(true, {
    pick: classification ? (n) => p.labels[n - 1] && item && s.label(p.labels[n - 1]!.name) : undefined,
    accept: () => {
      if (!item) return;
      if (classification) {
        if (prediction && "label" in prediction) s.label(prediction.label);
      } else submitAnswer();
    },
    submitEdit: classification ? undefined : submitAnswer,
    edit: classification ? undefined : () => editor.current?.focus(),
    skip: () => item && s.skip(),
    undo: s.undo,
    move: s.move,
  });

  const batch = batchProgress(p);
  const errors = s.items.filter((i) => s.outcomes[i.id]?.status === "error");
  return (
    <div className="space-y-4">
      <Card className="px-5 py-4">
        <div className="mb-2 flex items-baseline justify-between text-[13px] text-zinc-600">
          <span>
            Round {p.rounds.at(-1)?.number ?? "—"} batch · {batch.done} of {batch.total} labelled or skipped
          </span>
          <span className="tabular font-medium text-zinc-800" data-testid="labelling-position">
            {item ? `row ${s.index + 1} of ${s.items.length} handed to you` : `${s.done} of ${s.items.length} done`}
            {s.saving > 0 && <span className="ml-2 font-normal text-zinc-400">saving…</span>}
          </span>
        </div>
        <Progress
          value={batch.total ? batch.done / batch.total : 0}
          tone={batch.total && batch.done === batch.total ? "green" : "accent"}
          testId="labelling-progress"
          label="Batch progress"
          className="h-2.5"
        />
      </Card>

      {errors.map((i) => (
        <Alert key={i.id} title={`Pool row ${i.poolRow} was not saved`} testId="label-error">
          {s.outcomes[i.id]!.error}{" "}
          <button type="button" className="font-medium underline" onClick={() => s.move(s.items.indexOf(i) - s.index)}>
            Go to it
          </button>
        </Alert>
      ))}
      {s.claimError && (
        <Alert title="Could not get rows to label" testId="claim-error">
          {s.claimError}{" "}
          <button type="button" className="font-medium underline" onClick={s.retryClaim}>
            Try again
          </button>
        </Alert>
      )}

      {item ? (
        <ItemShell>
          <ItemHeader item={item} outcome={outcome} />
          <ItemText item={item} />
          {classification ? (
            <LabelChoices
              project={p}
              prediction={prediction}
              chosen={outcome?.kind === "label" ? outcome.value : undefined}
              disabled={false}
              onPick={s.label}
            />
          ) : (
            <AnswerEditor
              ref={editor}
              value={answer}
              onChange={setAnswer}
              disabled={false}
              suggested={suggestedAnswer}
            />
          )}
          <div className="flex flex-wrap items-center gap-2 border-t border-zinc-100 px-5 py-3">
            <Button
              variant="ghost"
              size="sm"
              onClick={() => s.move(-1)}
              disabled={s.index === 0}
              aria-label="Previous row"
            >
              <ArrowLeft className="size-4" aria-hidden />
            </Button>
            <Button variant="ghost" size="sm" onClick={() => s.move(1)} aria-label="Next row">
              <ArrowRight className="size-4" aria-hidden />
            </Button>
            <Button variant="secondary" size="sm" onClick={s.skip} data-testid="skip-item">
              <SkipForward className="size-4" aria-hidden /> Skip{" "}
              <kbd className="font-mono text-[11px] text-zinc-400">S</kbd>
            </Button>
            <Button variant="secondary" size="sm" onClick={s.undo} disabled={!s.canUndo} data-testid="undo-label">
              <Undo2 className="size-4" aria-hidden /> Undo <kbd className="font-mono text-[11px] text-zinc-400">U</kbd>
            </Button>
            {!classification && (
              <Button
                size="sm"
                className="ml-auto"
                onClick={submitAnswer}
                disabled={!answer.trim()}
                data-testid="submit-answer"
              >
                Submit answer
              </Button>
            )}
          </div>
        </ItemShell>
      ) : s.claiming || (!s.exhausted && !s.claimError) ? (
        <Skeleton className="h-64 w-full" />
      ) : (
        <Card>
          {s.items.length === 0 ? <NothingToLabel p={p} href={projectHref} /> : <AllDone s={s} href={projectHref} />}
        </Card>
      )}
    </div>
  );
}

function NothingToLabel({ p, href }: { p: Project; href: string }) {
  return (
    <EmptyState
      icon={Inbox}
      testId="nothing-to-label"
      title="Nothing is handed out to label"
      description={
        p.next === "wait_for_scoring"
          ? "The next batch is being picked right now; come back when the project page says it is ready."
          : p.counts.assigned > 0
            ? "Every open row is with another member at the moment."
            : "Every picked row is labelled. Pick the next batch on the project page."
      }
      action={<ButtonLink href={href}>Pick the next batch</ButtonLink>}
    />
  );
}

function AllDone({ s, href }: { s: ReturnType<typeof useLabelling>; href: string }) {
  const saving = s.saving > 0;
  return (
    <div data-testid="labelling-done" data-saving={s.saving}>
      <EmptyState
        icon={saving ? Loader2 : CheckCircle2}
        testId="labelling-done-state"
        title={`You are through your rows: ${s.done} done`}
        description={
          saving
            ? `Saving the last ${s.saving === 1 ? "label" : `${s.saving} labels`}…`
            : "Everything handed to you is saved. Retrain on the project page to see what these labels bought; U takes back the last one."
        }
        action={
          saving ? (
            <Button disabled>Saving…</Button>
          ) : (
            <ButtonLink href={href} data-testid="back-to-project">
              Back to the project
            </ButtonLink>
          )
        }
      />
    </div>
  );
}
