import type { Metadata } from "next";
import { DatasetsView } from "./datasets-view";

export const metadata: Metadata = { title: "Datasets" };

export default async function DatasetsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return <DatasetsView team={team} />;
}
