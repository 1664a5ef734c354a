import Link from "next/link";
import { notFound } from "next/navigation";
import { Logo } from "@/components/logo";
import { TRPCReactProvider } from "@/lib/trpc";
import { requireUser } from "@/server/current-user";
import { AdminNav } from "./admin-nav";

export const dynamic = "force-dynamic";

/** The admin console: instance admins only. Everyone else gets a 404 (the console's existence does not leak). */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser("/admin");
  if (!user.isAdmin) notFound();
  const firstTeam = user.memberships[0]?.team.slug;
  return (
    <div className="min-h-screen">
      <header className="border-b border-zinc-200 bg-white">
        <div className="mx-auto flex max-w-6xl items-center gap-6 px-8 py-3">
          <Link
            href={firstTeam ? `/t/${firstTeam}` : "/"}
            className="flex items-center gap-2 text-sm font-semibold text-zinc-900"
          >
            <Logo /> <span className="text-zinc-400">/</span> Admin
          </Link>
          <AdminNav />
          <span className="ml-auto text-xs text-zinc-500">{user.email}</span>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-8 py-8">
        <TRPCReactProvider team={null}>{children}</TRPCReactProvider>
      </main>
    </div>
  );
}
