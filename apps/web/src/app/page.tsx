import { redirect } from "next/navigation";
import { requireUser } from "@/server/current-user";

export const dynamic = "force-dynamic";

/** Home: the user's first team, or onboarding when they have none. */
export default async function Home() {
  const user = await requireUser();
  const first = user.memberships[0];
  redirect(first ? `/t/${first.team.slug}` : "/onboarding");
}
