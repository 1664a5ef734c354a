"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus, Users } from "lucide-react";
import { useState } from "react";
import { DataTable } from "@/components/data-table";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardHeader,
  ConfirmDialog,
  EmptyState,
  Field,
  Input,
  Select,
  TD,
  TR,
} from "@/components/ui";
import { formatRelative } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { ROLE_HELP, type Role } from "./roles";

/** The team's members; an owner adds people, changes roles and removes members. */
export function MembersCard({ isOwner }: { isOwner: boolean }) {
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
      <DataTable
        loading={members.isLoading}
        rows={members.data}
        skeleton={{ rows: 2, cols: 3 }}
        empty={<EmptyState icon={Users} title="No members" />}
        testId="members-table"
        columns={[
          { label: "Member" },
          { label: "Role" },
          { label: "Joined" },
          isOwner && { label: "Actions", className: "text-right" },
        ]}
        row={(m) => (
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
        )}
      />
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
