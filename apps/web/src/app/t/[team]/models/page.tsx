import type { Metadata } from "next";
import { ModelsView } from "./models-view";

export const metadata: Metadata = { title: "Models" };

export default async function ModelsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return <ModelsView team={team} />;
}
