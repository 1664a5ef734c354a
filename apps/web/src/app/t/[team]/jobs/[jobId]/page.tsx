import type { Metadata } from "next";
import { JobView } from "./job-view";

export const metadata: Metadata = { title: "Job" };

export default async function JobPage({ params }: { params: Promise<{ team: string; jobId: string }> }) {
  const { team, jobId } = await params;
  return <JobView team={team} jobId={jobId} />;
}
