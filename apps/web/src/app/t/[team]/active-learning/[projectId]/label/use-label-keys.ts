"use client";
/**
 * The labelling keys, on the window: 1–9 pick a label, Enter accepts the model's suggestion, S skips, U or
 * Backspace undoes the last action, ← / → move between rows, E edits the answer (generation). Typing in a field is
 * left alone, except Ctrl/Cmd+Enter (submit the answer) and Escape (leave the field).
 */
import { useEffect, useRef } from "react";

export interface LabelKeyActions {
  pick?: (n: number) => void;
  accept: () => void;
  submitEdit?: () => void;
  edit?: () => void;
  skip: () => void;
  undo: () => void;
  move: (delta: number) => void;
}

const typing = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));

export function useLabelKeys(enabled: boolean, actions: LabelKeyActions) {
  const ref = useRef(actions);
  ref.current = actions;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      const a = ref.current;
      if (typing(e.target)) {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && a.submitEdit) {
          e.preventDefault();
          a.submitEdit();
        } else if (e.key === "Escape") {
          (e.target as HTMLElement).blur();
        }
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      const handled = (() => {
        if (/^[1-9]$/.test(e.key) && a.pick) return (a.pick(Number(e.key)), true);
        switch (e.key) {
          case "Enter":
            return (a.accept(), true);
          case "s":
          case "S":
            return (a.skip(), true);
          case "u":
          case "U":
          case "Backspace":
            return (a.undo(), true);
          case "ArrowLeft":
            return (a.move(-1), true);
          case "ArrowRight":
            return (a.move(1), true);
          case "e":
          case "E":
            return a.edit ? (a.edit(), true) : false;
          default:
            return false;
        }
      })();
      if (handled) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enabled]);
}
