"use client";
import { useEffect, useRef } from "react";
import { Button } from "./button";

/** A confirm dialog on the native <dialog> element (focus trap and Escape for free). */
export function ConfirmDialog({
  open,
  title,
  description,
  confirmLabel,
  tone = "danger",
  loading,
  onConfirm,
  onClose,
  testId = "confirm-dialog",
}: {
  open: boolean;
  title: string;
  description?: React.ReactNode;
  confirmLabel: string;
  tone?: "danger" | "primary";
  loading?: boolean;
  onConfirm: () => void;
  onClose: () => void;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      data-testid={testId}
      className="m-auto w-full max-w-md rounded-xl border border-zinc-200 bg-white p-0 shadow-xl backdrop:bg-zinc-900/30 backdrop:backdrop-blur-[1px]"
    >
      <div className="px-6 pt-5 pb-4">
        <h2 className="text-base font-semibold text-zinc-900">{title}</h2>
        {description && <div className="mt-2 text-sm text-zinc-600">{description}</div>}
      </div>
      <div className="flex justify-end gap-2 border-t border-zinc-100 bg-zinc-50/60 px-6 py-3">
        <Button variant="secondary" onClick={onClose} type="button">
          Keep it
        </Button>
        <Button
          variant={tone === "danger" ? "danger" : "primary"}
          className={tone === "danger" ? "!bg-red-600 !text-white !ring-red-600 hover:!bg-red-700" : undefined}
          onClick={onConfirm}
          loading={loading}
          type="button"
          data-testid={`${testId}-confirm`}
        >
          {confirmLabel}
        </Button>
      </div>
    </dialog>
  );
}
