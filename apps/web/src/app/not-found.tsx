import { Compass } from "lucide-react";
import { ButtonLink } from "@/components/ui";

export default function NotFound() {
  return (
    <div className="flex min-h-[70vh] flex-col items-center justify-center px-6 text-center" data-testid="not-found">
      <div className="flex size-12 items-center justify-center rounded-xl bg-zinc-100 text-zinc-500">
        <Compass className="size-6" aria-hidden />
      </div>
      <h1 className="mt-4 text-lg font-semibold text-zinc-900">Nothing here</h1>
      <p className="mt-1 max-w-sm text-sm text-zinc-500">
        This page doesn&apos;t exist, or it belongs to a team you are not a member of.
      </p>
      <ButtonLink href="/" className="mt-6" variant="secondary">
        Go to my team
      </ButtonLink>
    </div>
  );
}
