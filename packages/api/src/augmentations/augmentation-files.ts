/** Where the runner writes an augmentation's files, and their removal when it ends without a version. */
import type { BlobStorage } from "@whetstone/storage";

export const augmentationPrefix = (id: string) => `augmentations/${id}/`;

/** Deletes what the runner wrote for augmentation `id` (a missing prefix is fine). */
export async function deleteAugmentationFiles(storage: BlobStorage, id: string): Promise<void> {
  await storage.delete(augmentationPrefix(id));
}
