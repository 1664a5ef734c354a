"use client";
/**
 * The dashboard's tRPC client (TanStack Query binding). Every request carries the team slug of the page in
 * `x-whetstone-team`; each team gets its own QueryClient, so one team's cache never shows in another's pages.
 */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@whetstone/api";
import { useState } from "react";
import superjson from "superjson";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (count, err) => {
          const code = err instanceof TRPCClientError ? (err.data as { code?: string } | undefined)?.code : undefined;
          if (code === "NOT_FOUND" || code === "UNAUTHORIZED" || code === "FORBIDDEN" || code === "BAD_REQUEST")
            return false;
          return count < 2;
        },
      },
    },
  });
}

export function TRPCReactProvider({ team, children }: { team: string | null; children: React.ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: "/api/trpc",
          transformer: superjson,
          headers: () => (team ? { "x-whetstone-team": team } : {}),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/** A readable message and the structured details ({line, field, …}) of a tRPC error. */
export function errorInfo(err: unknown): {
  message: string;
  code?: string;
  details: Record<string, unknown> | null;
  zodIssues: { path: (string | number)[]; message: string }[] | null;
} {
  if (err instanceof TRPCClientError) {
    const data = err.data as
      | {
          code?: string;
          details?: Record<string, unknown> | null;
          zodIssues?: { path: (string | number)[]; message: string }[] | null;
        }
      | undefined;
    return {
      message: err.message,
      code: data?.code,
      details: data?.details ?? null,
      zodIssues: data?.zodIssues ?? null,
    };
  }
  return { message: err instanceof Error ? err.message : String(err), details: null, zodIssues: null };
}
