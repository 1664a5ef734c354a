import type { Metadata } from "next";
import { EvaluationPage } from "./evaluation-page";

export const metadata: Metadata = { title: "Evaluation" };

export default async function Page({ params }: { params: Promise<{ team: string; evaluationId: string }> }) {
  const { team, evaluationId } = await params;
  return <EvaluationPage team={team} evaluationId={evaluationId} />;
}
