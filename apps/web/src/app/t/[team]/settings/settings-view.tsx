"use client";
import { useQuery } from "@tanstack/react-query";
import { PageHeader } from "@/components/ui";
import { useTRPC } from "@/lib/trpc";
import { ApiKeysCard } from "./api-keys-card";
import { MembersCard } from "./members-card";
import { WebhooksCard } from "./webhooks-card";

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
        <WebhooksCard canWrite={current.data ? current.data.role !== "viewer" : false} />
      </div>
    </>
  );
}
