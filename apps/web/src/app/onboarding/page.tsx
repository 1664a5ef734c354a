import type { Metadata } from "next";
import { Logo } from "@/components/logo";
import { requireUser } from "@/server/current-user";
import { TRPCReactProvider } from "@/lib/trpc";
import { CreateTeamForm } from "./create-team-form";

export const metadata: Metadata = { title: "Create your team" };
export const dynamic = "force-dynamic";

export default async function OnboardingPage() {
  const user = await requireUser("/onboarding");
  return (
    <div className="flex min-h-screen flex-col items-center justify-center bg-zinc-50 px-6">
      <div className="w-full max-w-md">
        <Logo className="justify-center" />
        <div className="mt-8 rounded-2xl border border-zinc-200 bg-white p-8 shadow-sm">
          <div className="text-xs font-semibold tracking-wide text-accent-600 uppercase">Step 1 of 1</div>
          <h1 className="mt-2 text-xl font-semibold tracking-tight text-zinc-900">
            {user.memberships.length
              ? "Create another team"
              : `Welcome${user.name ? `, ${user.name.split(" ")[0]}` : ""}! Name your team`}
          </h1>
          <p className="mt-1.5 text-sm text-zinc-500">
            A team owns its datasets, jobs and models. Invite colleagues from settings once it exists.
          </p>
          <TRPCReactProvider team={null}>
            <CreateTeamForm />
          </TRPCReactProvider>
        </div>
        <p className="mt-6 text-center text-xs text-zinc-400">Signed in as {user.email}</p>
      </div>
    </div>
  );
}
