"use client";
/** Cancel, with confirmation, for an augmentation that has not finished (augmentations.cancel). */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Ban } from "lucide-react";
import { useState } from "react";
import { Alert, Button, ConfirmDialog } from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";

export function CancelAugmentationButton({ id, versionId }: { id: string; versionId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const cancel = useMutation(
    trpc.augmentations.cancel.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        void qc.invalidateQueries({ queryKey: trpc.augmentations.list.queryKey({ id: versionId }) });
      },
    }),
  );
  return (
    <>
      <Button variant="danger" size="sm" onClick={() => setConfirming(true)} data-testid="cancel-augmentation">
        <Ban className="size-4" aria-hidden /> Cancel
      </Button>
      <ConfirmDialog
        open={confirming}
        title="Cancel this augmentation?"
        description="The runner stops; no new dataset version is made and the rows written so far are deleted."
        confirmLabel="Cancel augmentation"
        loading={cancel.isPending}
        onConfirm={() => cancel.mutate({ id })}
        onClose={() => setConfirming(false)}
      />
      {cancel.error && (
        <Alert className="mt-2" title="Could not cancel" testId="cancel-augmentation-error">
          {errorInfo(cancel.error).message}
        </Alert>
      )}
    </>
  );
}
