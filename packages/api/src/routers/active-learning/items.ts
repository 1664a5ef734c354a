import { z } from "zod";
import { claimItems, MAX_CLAIM } from "../../active-learning/claim-items";
import { labelItem, resolveItem, skipItem, unlabelItem } from "../../active-learning/label-item";
import { exportLabels, importLabels } from "../../active-learning/labels-io";
import { listItems } from "../../active-learning/list-items";
import { teamProcedure, teamWriteProcedure } from "../../trpc";
import { alMeta, itemInput, itemOutput, labelledItemOutput, projectIdInput } from "./active-learning.types";

const actor = (ctx: { team: { id: string }; caller: { userId: string } }) => ({
  teamId: ctx.team.id,
  userId: ctx.caller.userId,
});

export const nextItemsRoute = teamWriteProcedure
  .meta(
    alMeta(
      "POST",
      "/active-learning/projects/{projectId}/items/next",
      "Hand the caller the next rows to label",
      "Best first. Rows already handed to the caller come back first; no row is handed to two members at once. A hand-out lapses after an hour.",
    ),
  )
  .input(projectIdInput.extend({ count: z.number().int().min(1).max(MAX_CLAIM).optional() }))
  .output(z.object({ items: z.array(itemOutput) }))
  .mutation(async ({ ctx, input }) => ({ items: await claimItems(ctx.deps, actor(ctx), input) }));

export const listItemsRoute = teamProcedure
  .meta(alMeta("GET", "/active-learning/projects/{projectId}/items", "Picked rows with their labels, by status"))
  .input(
    projectIdInput.extend({
      status: z.enum(["pending", "assigned", "labelled", "skipped", "conflict"]).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  )
  .output(z.object({ items: z.array(labelledItemOutput.extend({ text: z.string(), prediction: z.unknown() })) }))
  .query(async ({ ctx, input }) => ({ items: await listItems(ctx.prisma, ctx.team.id, input) }));

export const labelItemRoute = teamWriteProcedure
  .meta(
    alMeta(
      "POST",
      "/active-learning/projects/{projectId}/items/{itemId}/label",
      "Label a row (saved at once)",
      "The row must have been handed to the caller, or already carry a label (a second opinion). A label that differs from another member's makes a conflict.",
    ),
  )
  .input(itemInput.extend({ value: z.string().max(100_000) }))
  .output(labelledItemOutput)
  .mutation(({ ctx, input }) => labelItem(ctx.deps, actor(ctx), input));

export const unlabelItemRoute = teamWriteProcedure
  .meta(alMeta("DELETE", "/active-learning/projects/{projectId}/items/{itemId}/label", "Take back one's label (undo)"))
  .input(itemInput)
  .output(labelledItemOutput)
  .mutation(({ ctx, input }) => unlabelItem(ctx.deps, actor(ctx), input));

export const skipItemRoute = teamWriteProcedure
  .meta(alMeta("POST", "/active-learning/projects/{projectId}/items/{itemId}/skip", "Skip a row handed to the caller"))
  .input(itemInput)
  .output(labelledItemOutput)
  .mutation(({ ctx, input }) => skipItem(ctx.deps, actor(ctx), input));

export const resolveItemRoute = teamWriteProcedure
  .meta(
    alMeta("POST", "/active-learning/projects/{projectId}/items/{itemId}/resolve", "Settle a conflict with one value"),
  )
  .input(itemInput.extend({ value: z.string().max(100_000) }))
  .output(labelledItemOutput)
  .mutation(({ ctx, input }) => resolveItem(ctx.deps, actor(ctx), input));

export const exportLabelsRoute = teamProcedure
  .meta(
    alMeta(
      "GET",
      "/active-learning/projects/{projectId}/labels",
      "Export the picked rows and their labels (JSONL or CSV)",
    ),
  )
  .input(projectIdInput.extend({ format: z.enum(["jsonl", "csv"]).default("jsonl") }))
  .output(
    z.object({ filename: z.string(), format: z.enum(["jsonl", "csv"]), rows: z.number().int(), content: z.string() }),
  )
  .query(({ ctx, input }) => exportLabels(ctx.deps, { teamId: ctx.team.id }, input));

export const importLabelsRoute = teamWriteProcedure
  .meta(
    alMeta(
      "POST",
      "/active-learning/projects/{projectId}/labels",
      "Import labels (JSONL or CSV with `row` and `label`/`answer`): all lines or none",
    ),
  )
  .input(
    projectIdInput.extend({
      format: z.enum(["jsonl", "csv"]),
      content: z
        .string()
        .min(1)
        .max(10 * 1024 * 1024),
    }),
  )
  .output(z.object({ imported: z.number().int() }))
  .mutation(({ ctx, input }) => importLabels(ctx.deps, actor(ctx), input));
