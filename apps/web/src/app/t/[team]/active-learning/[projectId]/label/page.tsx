import type { Metadata } from "next";
import { LabellingView } from "./labelling-view";

export const metadata: Metadata = { title: "Labelling" };

export default async function Page({ params }: { params: Promise<{ team: string; projectId: string }> }) {
  const { team, projectId } = await params;
  return <LabellingView team={team} projectId={projectId} />;
}
