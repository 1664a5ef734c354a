"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, Plus, Users } from "lucide-react";
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
  PageHeader,
  Select,
  Table,
  TableSkeleton,
  TBody,
  TD,
  TH,
  THead,
  TR,
} from "@/components/ui";
import { formatRelative } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";

type Role = "owner" | "member" | "viewer";
const ROLE_HELP: Record<Role, string> = {
  owner: "Everything, including members and keys",
  member: "Upload data, run and cancel jobs",
  viewer: "Read-only",
};

export function SettingsView({ team }: { team: string }) {
  const trpc = useTRPC();
  const current = useQuery(trpc.teams.current.queryOptions());
  const isOwner = current.data?.role === "owner";
  return (
    <>
      <PageHeader title="Settings" description={current.data ? `${current.data.name} · /t/${team}` : undefined} />
      <div className="space-y-6">
        <MembersCard isOwner={isOwner} />
        <ApiKeysCard canWrite={current.data ? current.data.role !== "viewer" : false} isOwner={isOwner} />
      </div>
    </>
  );
}

function MembersCard({ isOwner }: { isOwner: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const members = useQuery(trpc.teams.members.queryOptions());
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [removing, setRemoving] = useState<{ userId: string; email: string } | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.teams.members.queryKey() });
  const add = useMutation(
    trpc.teams.addMember.mutationOptions({
      onSuccess: () => {
        setEmail("");
        void refresh();
      },
    }),
  );
  const change = useMutation(trpc.teams.changeMemberRole.mutationOptions({ onSuccess: () => void refresh() }));
  const remove = useMutation(trpc.teams.removeMember.mutationOptions({ onSuccess: () => void refresh() }));
  const mutationError = change.error ?? remove.error;

  return (
    <Card>
      <CardHeader title="Members" description="People who can see this team's datasets, jobs and models." />
      {isOwner && (
        <form
          className="flex flex-wrap items-end gap-3 border-b border-zinc-100 px-5 py-4"
          data-testid="add-member-form"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate({ email, role });
          }}
        >
          <Field
            label="Email"
            htmlFor="member-email"
            className="min-w-[16rem] flex-1"
            error={add.error ? errorInfo(add.error).message : null}
          >
            <Input
              id="member-email"
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="colleague@example.org"
              data-testid="member-email"
              invalid={!!add.error}
            />
          </Field>
          <Field label="Role" htmlFor="member-role" className="w-40">
            <Select
              id="member-role"
              value={role}
              onChange={(e) => setRole(e.target.value as Role)}
              data-testid="member-role"
            >
              <option value="member">Member</option>
              <option value="viewer">Viewer</option>
              <option value="owner">Owner</option>
            </Select>
          </Field>
          <Button type="submit" loading={add.isPending} data-testid="add-member-submit" className="mb-px">
            <Plus className="size-4" aria-hidden /> Add member
          </Button>
        </form>
      )}
      {mutationError && (
        <Alert className="mx-5 mt-4" title="That didn't work">
          {errorInfo(mutationError).message}
        </Alert>
      )}
      {members.isLoading ? (
        <TableSkeleton rows={2} cols={3} />
      ) : !members.data?.length ? (
        <EmptyState icon={Users} title="No members" />
      ) : (
        <Table data-testid="members-table">
          <THead>
            <tr>
              <TH>Member</TH>
              <TH>Role</TH>
              <TH>Joined</TH>
              {isOwner && <TH className="text-right">Actions</TH>}
            </tr>
          </THead>
          <TBody>
            {members.data.map((m) => (
              <TR key={m.userId} data-testid="member-row">
                <TD>
                  <div className="font-medium text-zinc-900">{m.name ?? m.email.split("@")[0]}</div>
                  <div className="text-xs text-zinc-500">{m.email}</div>
                </TD>
                <TD>
                  {isOwner ? (
                    <Select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      className="w-32 py-1 text-[13px]"
                      onChange={(e) => change.mutate({ userId: m.userId, role: e.target.value as Role })}
                    >
                      <option value="owner">Owner</option>
                      <option value="member">Member</option>
                      <option value="viewer">Viewer</option>
                    </Select>
                  ) : (
                    <Badge
                      tone={m.role === "owner" ? "accent" : "neutral"}
                      className="capitalize"
                      title={ROLE_HELP[m.role]}
                    >
                      {m.role}
                    </Badge>
                  )}
                </TD>
                <TD className="text-zinc-500">{formatRelative(m.joinedAt)}</TD>
                {isOwner && (
                  <TD className="text-right">
                    <Button variant="ghost" size="sm" onClick={() => setRemoving({ userId: m.userId, email: m.email })}>
                      Remove
                    </Button>
                  </TD>
                )}
              </TR>
            ))}
          </TBody>
        </Table>
      )}
      <ConfirmDialog
        open={!!removing}
        title={`Remove ${removing?.email ?? ""}?`}
        description="They lose access to this team's datasets, jobs and models. Their API keys for this team stop working."
        confirmLabel="Remove member"
        onClose={() => setRemoving(null)}
        onConfirm={() => {
          if (removing) remove.mutate({ userId: removing.userId });
          setRemoving(null);
        }}
      />
    </Card>
  );
}

function ApiKeysCard({ canWrite, isOwner }: { canWrite: boolean; isOwner: boolean }) {
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
      {keys.isLoading ? (
        <TableSkeleton rows={2} cols={4} />
      ) : !keys.data?.length ? (
        <EmptyState
          icon={KeyRound}
          title="No API keys"
          description="Create one to drive Whetstone from a script, a notebook or CI."
          testId="api-keys-empty"
        />
      ) : (
        <Table data-testid="api-keys-table">
          <THead>
            <tr>
              <TH>Name</TH>
              <TH>Key</TH>
              <TH>Role</TH>
              <TH>Created</TH>
              <TH>Last used</TH>
              <TH className="text-right">Status</TH>
            </tr>
          </THead>
          <TBody>
            {keys.data.map((k) => (
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
            ))}
          </TBody>
        </Table>
      )}
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
