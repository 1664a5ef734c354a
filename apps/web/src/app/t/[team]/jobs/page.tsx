import type { Metadata } from "next";
import { JobsView } from "./jobs-view";

export const metadata: Metadata = { title: "Jobs" };

export default async function JobsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return <JobsView team={team} />;
}
