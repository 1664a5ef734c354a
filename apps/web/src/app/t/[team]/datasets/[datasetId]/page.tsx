import type { Metadata } from "next";
import { DatasetView } from "./dataset-view";

export const metadata: Metadata = { title: "Dataset" };

export default async function DatasetPage({ params }: { params: Promise<{ team: string; datasetId: string }> }) {
  const { team, datasetId } = await params;
  return <DatasetView team={team} datasetId={datasetId} />;
}
