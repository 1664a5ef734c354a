"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound } from "lucide-react";
import { useState } from "react";
import { DataTable } from "@/components/data-table";
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
  Select,
  TD,
  TR,
} from "@/components/ui";
import { formatRelative } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";
import type { Role } from "./roles";

/** The team's API keys: create one (its secret shown once), see when each was used, revoke. */
export function ApiKeysCard({ canWrite, isOwner }: { canWrite: boolean; isOwner: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: (k) => {
        setCreated({ name: k.name, key: k.key });
        setName("");
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions({ onSuccess: () => void refresh() }));

  return (
    <Card>
      <CardHeader
        title="API keys"
        description={
          <>
            For scripts and integrations: <code className="font-mono text-xs">Authorization: Bearer wst_…</code> on{" "}
            <a
              href="/api/v1/openapi.json"
              className="text-accent-600 hover:text-accent-700"
              target="_blank"
              rel="noreferrer"
            >
              the REST API
            </a>
            .
          </>
        }
      />
      {created && (
        <div className="border-b border-zinc-100 px-5 py-4" data-testid="api-key-created">
          <Alert tone="amber" title={`Copy the key “${created.name}” now — it won't be shown again.`}>
            <div className="mt-2 flex items-center gap-2">
              <code
                className="min-w-0 flex-1 truncate rounded-md bg-white px-3 py-2 font-mono text-[13px] text-zinc-900 ring-1 ring-amber-200"
                data-testid="api-key-value"
              >
                {created.key}
              </code>
              <CopyButton value={created.key} testId="api-key-copy" />
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
          data-testid="create-api-key-form"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name, role });
          }}
        >
          <Field
            label="Key name"
            htmlFor="key-name"
            className="min-w-[16rem] flex-1"
            error={create.error ? errorInfo(create.error).message : null}
          >
            <Input
              id="key-name"
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="ci-pipeline"
              data-testid="api-key-name"
            />
          </Field>
          <Field label="Role" htmlFor="key-role" className="w-40">
            <Select
              id="key-role"
              value={role}
              onChange={(e) => setRole(e.target.value as Role)}
              data-testid="api-key-role"
            >
              <option value="member">Member</option>
              <option value="viewer">Viewer</option>
              {isOwner && <option value="owner">Owner</option>}
            </Select>
          </Field>
          <Button type="submit" loading={create.isPending} data-testid="create-api-key" className="mb-px">
            <KeyRound className="size-4" aria-hidden /> Create key
          </Button>
        </form>
      )}
      {revoke.error && (
        <Alert className="mx-5 mt-4" title="Could not revoke">
          {errorInfo(revoke.error).message}
        </Alert>
      )}
      <DataTable
        loading={keys.isLoading}
        rows={keys.data}
        skeleton={{ rows: 2, cols: 4 }}
        empty={
          <EmptyState
            icon={KeyRound}
            title="No API keys"
            description="Create one to drive Whetstone from a script, a notebook or CI."
            testId="api-keys-empty"
          />
        }
        testId="api-keys-table"
        columns={[
          { label: "Name" },
          { label: "Key" },
          { label: "Role" },
          { label: "Created" },
          { label: "Last used" },
          { label: "Status", className: "text-right" },
        ]}
        row={(k) => (
          <TR key={k.id} data-testid="api-key-row" data-revoked={k.revokedAt ? "true" : "false"}>
            <TD>
              <div className="font-medium text-zinc-900">{k.name}</div>
              <div className="text-xs text-zinc-500">by {k.createdBy.email}</div>
            </TD>
            <TD className="font-mono text-xs">{k.prefix}…</TD>
            <TD>
              <Badge className="capitalize">{k.role}</Badge>
              {k.isAdmin && (
                <Badge tone="red" className="ml-1">
                  admin
                </Badge>
              )}
            </TD>
            <TD className="text-zinc-500">{formatRelative(k.createdAt)}</TD>
            <TD className="text-zinc-500">{k.lastUsedAt ? formatRelative(k.lastUsedAt) : "never"}</TD>
            <TD className="text-right">
              {k.revokedAt ? (
                <Badge>revoked {formatRelative(k.revokedAt)}</Badge>
              ) : canWrite ? (
                <Button
                  variant="danger"
                  size="sm"
                  onClick={() => setRevoking({ id: k.id, name: k.name })}
                  data-testid="revoke-api-key"
                >
                  Revoke
                </Button>
              ) : (
                <Badge tone="green">active</Badge>
              )}
            </TD>
          </TR>
        )}
      />
      <ConfirmDialog
        open={!!revoking}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        description="Requests with this key fail from now on. This cannot be undone."
        confirmLabel="Revoke key"
        loading={revoke.isPending}
        onClose={() => setRevoking(null)}
        onConfirm={() => {
          if (revoking) revoke.mutate({ id: revoking.id });
          setRevoking(null);
        }}
      />
    </Card>
  );
}
