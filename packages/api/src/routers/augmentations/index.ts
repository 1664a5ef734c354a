import { getGeneratorEndpoint } from "../../admin/generator-endpoint";
import { cancelAugmentation } from "../../augmentations/cancel-augmentation";
import { compareAugmentation } from "../../augmentations/compare-augmentation";
import { createAugmentation } from "../../augmentations/create-augmentation";
import { getAugmentation } from "../../augmentations/get-augmentation";
import { router, teamProcedure, teamWriteProcedure } from "../../trpc";
import {
  cancelAugmentationInput,
  cancelAugmentationMeta,
  cancelAugmentationOutput,
  compareAugmentationInput,
  compareAugmentationMeta,
  compareAugmentationOutput,
  createAugmentationInput,
  createAugmentationMeta,
  createAugmentationOutput,
  generatorAvailabilityInput,
  generatorAvailabilityMeta,
  generatorAvailabilityOutput,
  getAugmentationInput,
  getAugmentationMeta,
  getAugmentationOutput,
  listAugmentationsInput,
  listAugmentationsMeta,
  listAugmentationsOutput,
} from "./augmentations.types";

const asJson = <T>(a: T) => a as T & { settings: Record<string, unknown>; summary: Record<string, unknown> | null };

export const augmentationsRouter = router({
  create: teamWriteProcedure
    .meta(createAugmentationMeta)
    .input(createAugmentationInput)
    .output(createAugmentationOutput)
    .mutation(async ({ ctx, input }) => {
      const { id, wordDropout, swaps, ...rest } = input;
      const a = await createAugmentation(
        ctx.deps,
        { teamId: ctx.team.id, userId: ctx.caller.userId },
        { ...rest, datasetVersionId: id, perturbation: { wordDropout, swaps } },
      );
      return asJson(a);
    }),
  get: teamProcedure
    .meta(getAugmentationMeta)
    .input(getAugmentationInput)
    .output(getAugmentationOutput)
    .query(async ({ ctx, input }) => {
      const a = await getAugmentation(ctx.deps, ctx.team.id, input.id);
      return {
        ...asJson(a),
        comparison:
          a.comparison?.map((c) => ({ ...c, evaluation: c.evaluation as Record<string, unknown> | null })) ?? null,
      };
    }),
  list: teamProcedure
    .meta(listAugmentationsMeta)
    .input(listAugmentationsInput)
    .output(listAugmentationsOutput)
    .query(async ({ ctx, input }) => {
      const rows = await ctx.prisma.augmentation.findMany({
        where: { teamId: ctx.team.id, sourceVersionId: input.id },
        orderBy: { createdAt: "desc" },
        take: 20,
      });
      return rows.map(asJson);
    }),
  cancel: teamWriteProcedure
    .meta(cancelAugmentationMeta)
    .input(cancelAugmentationInput)
    .output(cancelAugmentationOutput)
    .mutation(async ({ ctx, input }) => asJson(await cancelAugmentation(ctx.deps, { teamId: ctx.team.id }, input.id))),
  generatorAvailability: teamProcedure
    .meta(generatorAvailabilityMeta)
    .input(generatorAvailabilityInput)
    .output(generatorAvailabilityOutput)
    .query(async ({ ctx }) => {
      const e = await getGeneratorEndpoint(ctx.prisma);
      return { configured: e.configured, model: e.model };
    }),
  compare: teamWriteProcedure
    .meta(compareAugmentationMeta)
    .input(compareAugmentationInput)
    .output(compareAugmentationOutput)
    .mutation(({ ctx, input }) => {
      const { id, ...spec } = input;
      return compareAugmentation(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, id, spec);
    }),
});
