import type { Metadata } from "next";
import { ProjectPage } from "./project-page";

export const metadata: Metadata = { title: "Active-learning project" };

export default async function Page({ params }: { params: Promise<{ team: string; projectId: string }> }) {
  const { team, projectId } = await params;
  return <ProjectPage team={team} projectId={projectId} />;
}
