"use server";
import { AuthError } from "next-auth";
import { appRouter, createContext } from "@whetstone/api";
import { signIn, signOut } from "@/server/auth";
import { getDeps } from "@/server/deps";

export interface AuthFormState {
  error: string | null;
  field?: string | null;
}

function safeRedirect(to: FormDataEntryValue | null): string {
  const s = typeof to === "string" ? to : "";
  return s.startsWith("/") && !s.startsWith("//") ? s : "/";
}

export async function signInAction(_prev: AuthFormState, form: FormData): Promise<AuthFormState> {
  try {
    await signIn("credentials", {
      email: form.get("email"),
      password: form.get("password"),
      redirectTo: safeRedirect(form.get("callbackUrl")),
    });
    return { error: null };
  } catch (err) {
    if (err instanceof AuthError) {
      return {
        error:
          err.type === "CredentialsSignin"
            ? "That email and password don't match an account."
            : "Sign-in failed. Try again.",
      };
    }
    throw err; // Next's redirect
  }
}

export async function signUpAction(_prev: AuthFormState, form: FormData): Promise<AuthFormState> {
  const email = String(form.get("email") ?? "");
  const password = String(form.get("password") ?? "");
  const name = String(form.get("name") ?? "");
  try {
    const caller = appRouter.createCaller(createContext({ deps: await getDeps(), caller: null, teamSlug: null }));
    await caller.auth.signUp({ email, password, name: name || undefined });
  } catch (err) {
    const cause = (
      err as { cause?: { details?: { field?: string }; issues?: { path: PropertyKey[]; message: string }[] } }
    ).cause;
    // The input schema's own checks (email, password length) come as issues; the domain's as details.field.
    const issue = cause?.issues?.[0];
    if (issue) return { error: issue.message, field: String(issue.path[0] ?? "") || null };
    return { error: err instanceof Error ? err.message : "Sign-up failed.", field: cause?.details?.field ?? null };
  }
  await signIn("credentials", { email, password, redirectTo: "/onboarding" });
  return { error: null };
}

export async function oidcSignInAction(form: FormData) {
  await signIn("oidc", { redirectTo: safeRedirect(form.get("callbackUrl")) });
}

export async function signOutAction() {
  await signOut({ redirectTo: "/sign-in" });
}
