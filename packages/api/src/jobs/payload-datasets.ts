/**
 * The datasets of a queue payload, in THE order both the `train` and the `evaluate` payloads use: by dataset
 * version id. The runner carves dataset i's test split with seed `seed + i`, so the automatic evaluation finds the
 * rows its training job held out only because both payloads list the datasets in this one order.
 */
interface DatasetRow {
  datasetVersionId: string;
  weight?: number;
  datasetVersion: {
    blobKey: string;
    format: string;
    container: string;
    rowCount: number;
    sha256: string;
    dataset: { name: string };
  };
}

export function payloadDatasets(rows: DatasetRow[]) {
  return rows
    .slice()
    .sort((a, b) => a.datasetVersionId.localeCompare(b.datasetVersionId))
    .map((d) => ({
      datasetVersionId: d.datasetVersionId,
      name: d.datasetVersion.dataset.name,
      key: d.datasetVersion.blobKey,
      format: d.datasetVersion.format,
      container: d.datasetVersion.container,
      weight: d.weight ?? 1,
      rows: d.datasetVersion.rowCount,
      sha256: d.datasetVersion.sha256,
    }));
}
