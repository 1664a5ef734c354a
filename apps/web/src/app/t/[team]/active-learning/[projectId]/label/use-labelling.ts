"use client";
/**
 * The labelling session: rows handed to the caller (claimed a few at a time with `nextItems`, more when the end is
 * near), the row in view, and what the caller did to each. Every label, skip and undo is saved at once, one after
 * the other in the order given (so an undo never overtakes the label it takes back); the view moves on without
 * waiting, and a save that fails marks its row with the server's message.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { errorInfo, useTRPC, useTRPCClient, type RouterOutputs } from "@/lib/trpc";

export type Item = RouterOutputs["activeLearning"]["nextItems"]["items"][number];
export interface Outcome {
  kind: "label" | "skip";
  value?: string;
  status: "saving" | "saved" | "error";
  error?: string;
}

const CLAIM = 10;

export function useLabelling(projectId: string, enabled: boolean) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const [items, setItems] = useState<Item[]>([]);
  const [index, setIndex] = useState(0);
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const [exhausted, setExhausted] = useState(false);
  /** Saves given but not yet answered. */
  const [saving, setSaving] = useState(0);
  const history = useRef<string[]>([]);
  const itemsRef = useRef<Item[]>([]);
  itemsRef.current = items;
  const chain = useRef<Promise<unknown>>(Promise.resolve());

  const claim = useMutation(
    trpc.activeLearning.nextItems.mutationOptions({
      onSuccess: ({ items: got }) => {
        const known = new Set(itemsRef.current.map((i) => i.id));
        const fresh = got.filter((i) => !known.has(i.id));
        if (fresh.length === 0) setExhausted(true);
        else setItems((have) => [...have, ...fresh.filter((i) => !have.some((h) => h.id === i.id))]);
      },
    }),
  );

  const refreshProject = useCallback(() => {
    void qc.invalidateQueries({ queryKey: trpc.activeLearning.getProject.queryKey({ projectId }) });
  }, [qc, trpc, projectId]);

  /** Runs `save` after every earlier save, then records how it went on the row. */
  const enqueue = useCallback(
    (itemId: string, save: () => Promise<unknown>, onOk?: () => void) => {
      setSaving((n) => n + 1);
      chain.current = chain.current.then(async () => {
        try {
          await save();
          onOk?.();
          refreshProject();
        } catch (e) {
          const error = errorInfo(e).message;
          setOutcomes((o) => (o[itemId] ? { ...o, [itemId]: { ...o[itemId]!, status: "error", error } } : o));
        } finally {
          setSaving((n) => n - 1);
        }
      });
    },
    [refreshProject],
  );

  // A tab closed while saves are in flight would lose them: the browser asks first.
  useEffect(() => {
    if (saving === 0) return;
    const hold = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", hold);
    return () => window.removeEventListener("beforeunload", hold);
  }, [saving]);
  const mark = (id: string, status: Outcome["status"]) =>
    setOutcomes((o) => (o[id] ? { ...o, [id]: { ...o[id]!, status } } : o));

  const current = items[index] as Item | undefined;

  /** The next row after `from` with nothing done to it (or the end). */
  const nextOpen = (from: number, done: Record<string, Outcome>) => {
    for (let i = from + 1; i < items.length; i++) if (!done[items[i]!.id]) return i;
    return items.length;
  };

  const act = (kind: "label" | "skip", value?: string) => {
    if (!current) return;
    const item = current;
    const before = outcomes[item.id];
    const next = { ...outcomes, [item.id]: { kind, value, status: "saving" as const } };
    setOutcomes(next);
    history.current.push(item.id);
    setIndex(nextOpen(index, next));
    const input = { projectId, itemId: item.id };
    enqueue(
      item.id,
      async () => {
        // A skipped row is handed back (undo) before it can take a label.
        if (before?.kind === "skip" && before.status !== "error") await client.activeLearning.unlabel.mutate(input);
        if (kind === "skip") return client.activeLearning.skip.mutate(input);
        return client.activeLearning.label.mutate({ ...input, value: value! });
      },
      () => mark(item.id, "saved"),
    );
  };

  const undo = () => {
    const id = history.current.pop();
    if (!id) return;
    const at = items.findIndex((i) => i.id === id);
    const was = outcomes[id];
    setOutcomes(({ [id]: _gone, ...rest }) => rest);
    if (at >= 0) setIndex(at);
    if (was && was.status !== "error") {
      enqueue(id, () => client.activeLearning.unlabel.mutate({ projectId, itemId: id }));
    }
  };

  const move = (delta: number) => setIndex((i) => Math.max(0, Math.min(items.length, i + delta)));

  // Claim the first rows, and more when the end of the hand-out is near.
  const open = items.filter((i) => !outcomes[i.id]).length;
  useEffect(() => {
    if (!enabled || exhausted || claim.isPending || claim.isError) return;
    if (items.length === 0 || (open < 3 && index >= items.length - 3)) claim.mutate({ projectId, count: CLAIM });
  }, [enabled, exhausted, claim, items.length, open, index, projectId]);

  return {
    items,
    index,
    current,
    outcomes,
    exhausted,
    claiming: claim.isPending,
    claimError: claim.error ? errorInfo(claim.error).message : null,
    retryClaim: () => {
      claim.reset();
      setExhausted(false);
    },
    done: items.length - open,
    saving,
    label: (value: string) => act("label", value),
    skip: () => act("skip"),
    undo,
    move,
    canUndo: history.current.length > 0,
  };
}
export type Labelling = ReturnType<typeof useLabelling>;
