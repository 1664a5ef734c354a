import type { Metadata } from "next";
import { NewEvaluationForm } from "./new-evaluation-form";

export const metadata: Metadata = { title: "New evaluation" };

export default async function NewEvaluationPage({ params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return <NewEvaluationForm team={team} />;
}
