import { auth } from "./auth";
import type { SessionReader } from "./caller";

/** The Auth.js session's user id, for route handlers. */
export const readSession: SessionReader = async () => {
  const session = await auth();
  return session?.user?.id ?? null;
};
