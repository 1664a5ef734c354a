import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { publicConfig } from "@/env";
import { auth } from "@/server/auth";
import { SignInForm } from "../auth-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  const session = await auth();
  if (session?.user?.id) redirect("/");
  const cfg = publicConfig();
  const target = callbackUrl && callbackUrl.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/";
  return <SignInForm callbackUrl={target} oidc={{ enabled: cfg.oidcEnabled, name: cfg.oidcName }} />;
}
