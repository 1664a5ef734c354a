import type { Metadata } from "next";
import { ProjectsView } from "./projects-view";

export const metadata: Metadata = { title: "Active learning" };

export default async function ActiveLearningPage({ params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return <ProjectsView team={team} />;
}
