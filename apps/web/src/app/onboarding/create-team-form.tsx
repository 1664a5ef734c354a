"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button, Field, Input } from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";

export function CreateTeamForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.teams.create.mutationOptions({
      onSuccess: (team) => router.push(`/t/${team.slug}`),
    }),
  );
  const error = create.error ? errorInfo(create.error).message : null;
  return (
    <form
      className="mt-6 space-y-4"
      data-testid="create-team-form"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ name });
      }}
    >
      <Field label="Team name" htmlFor="team-name" error={error} hint="For example “Clinical NLP” or “Contracts”.">
        <Input
          id="team-name"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={80}
          autoFocus
          invalid={!!error}
        />
      </Field>
      <Button
        type="submit"
        className="w-full"
        loading={create.isPending || create.isSuccess}
        data-testid="create-team-submit"
      >
        Create team
      </Button>
    </form>
  );
}
