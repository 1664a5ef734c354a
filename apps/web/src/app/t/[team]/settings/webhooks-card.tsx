"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Webhook } from "lucide-react";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useState } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardHeader,
  ConfirmDialog,
  CopyButton,
  EmptyState,
  Field,
  Input,
  Table,
  TBody,
  TD,
  TH,
  THead,
  TR,
  type Tone,
} from "@/components/ui";
import { formatRelative } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";

const STATUS_TONE: Record<string, Tone> = { delivered: "green", pending: "amber", failed: "red" };

/**
 * Webhooks (decision 0010): endpoints that receive `fine_tuning.job.succeeded|failed|cancelled`, signed as the
 * Standard Webhooks spec says; the secret is shown once; each endpoint lists its recent deliveries.
 */
export function WebhooksCard({ canWrite }: { canWrite: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { team } = useParams<{ team: string }>();
  const endpoints = useQuery({ ...trpc.webhooks.list.queryOptions(), refetchInterval: 5_000 });
  const [url, setUrl] = useState("");
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);
  const [removing, setRemoving] = useState<{ id: string; url: string } | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey() });
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: (e) => {
        setCreated({ url: e.url, secret: e.secret });
        setUrl("");
        void refresh();
      },
    }),
  );
  const remove = useMutation(trpc.webhooks.delete.mutationOptions({ onSuccess: () => void refresh() }));

  return (
    <Card data-testid="webhooks-card">
      <CardHeader
        title="Webhooks"
        description={
          <>
            A signed <code className="font-mono text-xs">POST</code> when a fine-tuning job succeeds, fails or is
            cancelled (<code className="font-mono text-xs">fine_tuning.job.*</code>, Standard Webhooks signatures as
            OpenAI sends them). Failed deliveries are retried with exponential backoff for about a day.
          </>
        }
      />
      {created && (
        <div className="border-b border-zinc-100 px-5 py-4" data-testid="webhook-created">
          <Alert tone="amber" title={`Copy the signing secret of ${created.url} now — it won't be shown again.`}>
            <div className="mt-2 flex items-center gap-2">
              <code
                className="min-w-0 flex-1 truncate rounded-md bg-white px-3 py-2 font-mono text-[13px] text-zinc-900 ring-1 ring-amber-200"
                data-testid="webhook-secret"
              >
                {created.secret}
              </code>
              <CopyButton value={created.secret} testId="webhook-secret-copy" />
              <Button variant="ghost" size="sm" onClick={() => setCreated(null)}>
                Done
              </Button>
            </div>
          </Alert>
        </div>
      )}
      {canWrite && (
        <form
          className="flex flex-wrap items-end gap-3 border-b border-zinc-100 px-5 py-4"
          data-testid="create-webhook-form"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ url });
          }}
        >
          <Field
            label="Endpoint URL"
            htmlFor="webhook-url"
            className="min-w-[20rem] flex-1"
            error={create.error ? errorInfo(create.error).message : null}
          >
            <Input
              id="webhook-url"
              required
              type="url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="https://ci.example.com/hooks/whetstone"
              data-testid="webhook-url"
            />
          </Field>
          <Button type="submit" loading={create.isPending} data-testid="create-webhook" className="mb-px">
            <Webhook className="size-4" aria-hidden /> Add endpoint
          </Button>
        </form>
      )}
      {remove.error && (
        <Alert className="mx-5 mt-4" title="Could not remove">
          {errorInfo(remove.error).message}
        </Alert>
      )}
      {endpoints.data && endpoints.data.length === 0 && (
        <EmptyState
          icon={Webhook}
          title="No webhook endpoints"
          description="Add one to hear about finished jobs without polling."
          testId="webhooks-empty"
        />
      )}
      {endpoints.data?.map((e) => (
        <div key={e.id} className="border-b border-zinc-100 px-5 py-4 last:border-b-0" data-testid="webhook-endpoint">
          <div className="flex items-center gap-3">
            <div className="min-w-0 flex-1">
              <div className="truncate font-mono text-[13px] text-zinc-900">{e.url}</div>
              <div className="text-xs text-zinc-500">
                {e.events.length ? e.events.join(", ") : "every job event"} · added {formatRelative(e.createdAt)}
              </div>
            </div>
            {canWrite && (
              <Button
                variant="danger"
                size="sm"
                onClick={() => setRemoving({ id: e.id, url: e.url })}
                data-testid="remove-webhook"
              >
                Remove
              </Button>
            )}
          </div>
          {e.deliveries.length === 0 ? (
            <p className="mt-2 text-xs text-zinc-500">No deliveries yet.</p>
          ) : (
            <Table className="mt-3" data-testid="webhook-deliveries">
              <THead>
                <TR>
                  <TH>Event</TH>
                  <TH>Job</TH>
                  <TH>Status</TH>
                  <TH>Attempts</TH>
                  <TH>Last answer</TH>
                  <TH>When</TH>
                </TR>
              </THead>
              <TBody>
                {e.deliveries.map((d) => (
                  <TR key={d.id} data-testid="webhook-delivery" data-status={d.status}>
                    <TD className="font-mono text-xs">{d.type}</TD>
                    <TD>
                      <Link href={`/t/${team}/jobs/${d.jobId}`} className="text-accent-600 hover:text-accent-700">
                        {d.jobId.slice(0, 10)}…
                      </Link>
                    </TD>
                    <TD>
                      <Badge tone={STATUS_TONE[d.status] ?? "neutral"}>{d.status}</Badge>
                    </TD>
                    <TD className="tabular-nums">{d.attempts}</TD>
                    <TD className="text-xs text-zinc-500">
                      {d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : (d.lastError ?? "—")}
                    </TD>
                    <TD className="text-xs text-zinc-500">
                      {d.status === "pending" && d.attempts > 0
                        ? `retry ${formatRelative(d.nextAttemptAt)}`
                        : formatRelative(d.deliveredAt ?? d.lastAttemptAt ?? d.createdAt)}
                    </TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          )}
        </div>
      ))}
      <ConfirmDialog
        open={!!removing}
        title={`Remove ${removing?.url ?? ""}?`}
        description="It receives no more events, and its delivery log is deleted."
        confirmLabel="Remove endpoint"
        loading={remove.isPending}
        onClose={() => setRemoving(null)}
        onConfirm={() => {
          if (removing) remove.mutate({ id: removing.id });
          setRemoving(null);
        }}
      />
    </Card>
  );
}
