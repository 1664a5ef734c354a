import type { Metadata } from "next";
import { PlaygroundView } from "./playground-view";

export const metadata: Metadata = { title: "Playground" };

export default async function PlaygroundPage({
  params,
  searchParams,
}: {
  params: Promise<{ team: string }>;
  searchParams: Promise<{ model?: string }>;
}) {
  const { team } = await params;
  const { model } = await searchParams;
  return <PlaygroundView team={team} initialModelId={model ?? null} />;
}
