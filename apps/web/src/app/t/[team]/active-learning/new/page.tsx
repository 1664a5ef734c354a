import type { Metadata } from "next";
import { NewProjectForm } from "./new-project-form";

export const metadata: Metadata = { title: "New active-learning project" };

export default async function NewProjectPage({ params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return <NewProjectForm team={team} />;
}
