import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { publicConfig } from "@/env";
import { auth } from "@/server/auth";
import { SignUpForm } from "../auth-form";

export const metadata: Metadata = { title: "Create your account" };

export default async function SignUpPage() {
  const session = await auth();
  if (session?.user?.id) redirect("/");
  const cfg = publicConfig();
  return <SignUpForm oidc={{ enabled: cfg.oidcEnabled, name: cfg.oidcName }} />;
}
