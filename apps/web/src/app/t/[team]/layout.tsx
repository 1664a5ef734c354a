import { notFound } from "next/navigation";
import { Sidebar } from "@/components/sidebar";
import { TRPCReactProvider } from "@/lib/trpc";
import { requireUser } from "@/server/current-user";

export const dynamic = "force-dynamic";

export default async function TeamLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ team: string }>;
}) {
  const { team: slug } = await params;
  const user = await requireUser(`/t/${slug}`);
  const membership = user.memberships.find((m) => m.team.slug === slug);
  // A team the user is not a member of does not exist for them.
  if (!membership) notFound();
  return (
    <div className="flex min-h-screen">
      <Sidebar
        team={{ slug, name: membership.team.name, role: membership.role }}
        teams={user.memberships.map((m) => ({ slug: m.team.slug, name: m.team.name, role: m.role }))}
        user={{ email: user.email, name: user.name, isAdmin: user.isAdmin }}
      />
      <main className="min-w-0 flex-1">
        <div className="mx-auto max-w-6xl px-8 py-8">
          <TRPCReactProvider team={slug} key={slug}>
            {children}
          </TRPCReactProvider>
        </div>
      </main>
    </div>
  );
}
