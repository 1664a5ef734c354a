import { redirect } from "next/navigation";
import { auth } from "./auth";
import { getDeps } from "./deps";

/** The signed-in user (fresh from the database) or a redirect to /sign-in. For server components. */
export async function requireUser(returnTo?: string) {
  const session = await auth();
  const id = session?.user?.id;
  const signIn = returnTo ? `/sign-in?callbackUrl=${encodeURIComponent(returnTo)}` : "/sign-in";
  if (!id) redirect(signIn);
  const { prisma } = await getDeps();
  const user = await prisma.user.findUnique({
    where: { id },
    select: {
      id: true,
      email: true,
      name: true,
      isAdmin: true,
      memberships: { include: { team: true }, orderBy: { createdAt: "asc" } },
    },
  });
  if (!user) redirect(signIn);
  return user;
}
