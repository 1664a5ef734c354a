"use client";
import Link from "next/link";
import { useActionState } from "react";
import { Alert, Button, Field, Input } from "@/components/ui";
import { oidcSignInAction, signInAction, signUpAction, type AuthFormState } from "./actions";

export function SignInForm({ callbackUrl, oidc }: { callbackUrl: string; oidc: { enabled: boolean; name: string } }) {
  const [state, action, pending] = useActionState<AuthFormState, FormData>(signInAction, { error: null });
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">Sign in</h1>
      <p className="mt-1.5 text-sm text-zinc-500">Welcome back. Pick up where your models left off.</p>
      {state.error && <Alert className="mt-6" title={state.error} testId="auth-error" />}
      <form action={action} className="mt-6 space-y-4" data-testid="sign-in-form">
        <input type="hidden" name="callbackUrl" value={callbackUrl} />
        <Field label="Email" htmlFor="email">
          <Input id="email" name="email" type="email" autoComplete="email" required placeholder="you@hospital.org" />
        </Field>
        <Field label="Password" htmlFor="password">
          <Input id="password" name="password" type="password" autoComplete="current-password" required />
        </Field>
        <Button type="submit" className="w-full" loading={pending} data-testid="sign-in-submit">
          Sign in
        </Button>
      </form>
      {oidc.enabled && <OidcButton name={oidc.name} callbackUrl={callbackUrl} />}
      <p className="mt-8 text-sm text-zinc-500">
        New here?{" "}
        <Link href="/sign-up" className="font-medium text-accent-600 hover:text-accent-700">
          Create an account
        </Link>
      </p>
    </>
  );
}

function OidcButton({ name, callbackUrl }: { name: string; callbackUrl: string }) {
  return (
    <>
      <div className="my-6 flex items-center gap-3 text-xs text-zinc-400">
        <div className="h-px flex-1 bg-zinc-200" />
        or
        <div className="h-px flex-1 bg-zinc-200" />
      </div>
      <form action={oidcSignInAction}>
        <input type="hidden" name="callbackUrl" value={callbackUrl} />
        <Button type="submit" variant="secondary" className="w-full" data-testid="oidc-sign-in">
          Continue with {name}
        </Button>
      </form>
    </>
  );
}

export function SignUpForm({ oidc }: { oidc: { enabled: boolean; name: string } }) {
  const [state, action, pending] = useActionState<AuthFormState, FormData>(signUpAction, { error: null });
  const err = (f: string) => (state.field === f ? state.error : null);
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">Create your account</h1>
      <p className="mt-1.5 text-sm text-zinc-500">Fine-tune models on your team&apos;s data in minutes.</p>
      {state.error && !state.field && <Alert className="mt-6" title={state.error} testId="auth-error" />}
      <form action={action} className="mt-6 space-y-4" data-testid="sign-up-form">
        <Field label="Name" htmlFor="name">
          <Input id="name" name="name" autoComplete="name" placeholder="Ada Lovelace" />
        </Field>
        <Field label="Email" htmlFor="email" error={err("email")}>
          <Input id="email" name="email" type="email" autoComplete="email" required invalid={!!err("email")} />
        </Field>
        <Field label="Password" htmlFor="password" hint="At least 8 characters." error={err("password")}>
          <Input
            id="password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            invalid={!!err("password")}
          />
        </Field>
        <Button type="submit" className="w-full" loading={pending} data-testid="sign-up-submit">
          Create account
        </Button>
      </form>
      {oidc.enabled && <OidcButton name={oidc.name} callbackUrl="/" />}
      <p className="mt-8 text-sm text-zinc-500">
        Already have an account?{" "}
        <Link href="/sign-in" className="font-medium text-accent-600 hover:text-accent-700">
          Sign in
        </Link>
      </p>
    </>
  );
}
