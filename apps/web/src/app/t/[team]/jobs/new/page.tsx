import type { Metadata } from "next";
import { NewJobForm } from "./new-job-form";

export const metadata: Metadata = { title: "New fine-tune" };

export default async function NewJobPage({ params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return <NewJobForm team={team} />;
}
