import type { Metadata } from "next";
import { EvaluationsView } from "./evaluations-view";

export const metadata: Metadata = { title: "Evaluations" };

export default async function EvaluationsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return <EvaluationsView team={team} />;
}
