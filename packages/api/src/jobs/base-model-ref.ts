/**
 * A model as the runner loads it (`BaseModelRef`): an artifact of an earlier job carries its `parent` chain down to
 * a model that is complete in itself (Hugging Face id or local directory). Shared by the payloads of every job kind
 * that loads models (train, evaluate).
 */
import type { Prisma } from "@whetstone/db";
import type { BaseModelRef } from "@whetstone/queue";
import type { ApiDeps } from "../trpc";

/** Longest lineage followed (artifact of an artifact of …) before giving up: guards against a cycle. */
export const MAX_LINEAGE_DEPTH = 16;

type Reader = Pick<ApiDeps["prisma"], "baseModel">;

/**
 * Resolves `baseModelId` and its lineage. `fail` turns a lineage that does not resolve (a missing parent, a cycle)
 * into the caller's error (an EnqueueError naming the job or evaluation).
 */
export async function buildBaseModelRef(
  prisma: Reader,
  baseModelId: string,
  fail: (message: string) => Error,
): Promise<BaseModelRef> {
  const chain: Prisma.BaseModelGetPayload<object>[] = [];
  let nextId: string | null = baseModelId;
  while (nextId) {
    if (chain.length >= MAX_LINEAGE_DEPTH) throw fail(`base model lineage deeper than ${MAX_LINEAGE_DEPTH}`);
    const m: Prisma.BaseModelGetPayload<object> | null = await prisma.baseModel.findUnique({ where: { id: nextId } });
    if (!m) throw fail(`base model ${nextId} not found`);
    chain.push(m);
    // Only an artifact is loaded on top of its parent; other sources are complete in themselves.
    nextId = m.source === "artifact" ? m.parentId : null;
  }
  let ref: BaseModelRef | null = null;
  for (const m of chain.reverse()) {
    ref = {
      id: m.id,
      name: m.name,
      source: m.source,
      ref: m.ref,
      revision: m.revision,
      artifactKind: m.artifactKind === "adapter" || m.artifactKind === "merged" ? m.artifactKind : null,
      parent: ref,
    };
  }
  return ref!;
}
