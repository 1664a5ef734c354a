/**
 * One member's label of one picked row, saved the moment it is given. The row must have been handed out to the
 * caller (or already carry a label: a second opinion). Labels of different members that disagree make the row a
 * conflict — its agreed value is cleared until someone resolves it; nothing is silently overwritten. Each change
 * runs in one transaction that locks the row, so concurrent labels of one row are applied one after the other.
 */
import type { Prisma } from "@whetstone/db";
import { AppError } from "../errors";
import type { ApiDeps } from "../trpc";
import { labelNames } from "./project-labels";
import { findProject } from "./project-state";

export const MAX_ANSWER_CHARS = 100_000;

type Actor = { teamId: string; userId: string };
type Deps = Pick<ApiDeps, "prisma">;

interface LockedItem {
  id: string;
  status: string;
  assigneeId: string | null;
  value: string | null;
  poolRow: number;
}

async function lockItem(tx: Prisma.TransactionClient, projectId: string, itemId: string): Promise<LockedItem> {
  const rows = await tx.$queryRaw<LockedItem[]>`
    SELECT "id", "status"::text AS "status", "assigneeId", "value", "poolRow" FROM "ActiveLearningItem"
    WHERE "id" = ${itemId} AND "projectId" = ${projectId} FOR UPDATE`;
  if (!rows[0]) throw new AppError("NOT_FOUND", `item "${itemId}" not found in this project`, { field: "itemId" });
  return rows[0];
}

/** Checks a value against the project: a declared label (classification) or a non-empty answer (sft). */
export function checkValue(project: { task: string; labels: unknown }, raw: string, field = "value"): string {
  if (project.task === "classification") {
    const names = labelNames(project.labels);
    const value = raw.trim();
    if (!names.includes(value)) {
      throw new AppError("BAD_REQUEST", `"${value}" is not one of the project's labels: ${names.join(", ")}`, {
        field,
        allowed: names,
      });
    }
    return value;
  }
  if (!raw.trim()) throw new AppError("BAD_REQUEST", "the answer is empty", { field });
  if (raw.length > MAX_ANSWER_CHARS) {
    throw new AppError("BAD_REQUEST", `the answer is longer than ${MAX_ANSWER_CHARS} characters`, { field });
  }
  return raw;
}

/**
 * Re-derives a row's agreed value from its labels after `changed` was given (null: a label was taken back). An agreed
 * or resolved value stands while new labels match it; one label, or labels that all agree, set it; labels that
 * disagree make a conflict.
 */
async function settle(tx: Prisma.TransactionClient, item: LockedItem, changed: string | null) {
  const labels = await tx.activeLearningLabel.findMany({ where: { itemId: item.id }, select: { value: true } });
  const values = new Set(labels.map((l) => l.value));
  let data: Prisma.ActiveLearningItemUpdateInput;
  if (labels.length === 0) data = { status: "assigned", value: null, labelledAt: null };
  else if (item.status === "labelled" && changed !== null && changed === item.value) data = {};
  else if (values.size === 1) data = { status: "labelled", value: [...values][0]!, labelledAt: new Date() };
  else data = { status: "conflict", value: null, labelledAt: null };
  return tx.activeLearningItem.update({ where: { id: item.id }, data, select: itemSelect });
}

export const itemSelect = {
  id: true,
  poolRow: true,
  status: true,
  value: true,
  assigneeId: true,
  labels: { select: { userId: true, value: true, updatedAt: true }, orderBy: { createdAt: "asc" } },
} satisfies Prisma.ActiveLearningItemSelect;

export async function labelItem(deps: Deps, actor: Actor, input: { projectId: string; itemId: string; value: string }) {
  const project = await findProject(deps.prisma, actor.teamId, input.projectId);
  const value = checkValue(project, input.value);
  return deps.prisma.$transaction((tx) => applyLabel(tx, project.id, actor.userId, input.itemId, value));
}

/** One label inside the caller's transaction (a single label, or every line of an import). `value` is checked. */
export async function applyLabel(
  tx: Prisma.TransactionClient,
  projectId: string,
  userId: string,
  itemId: string,
  value: string,
) {
  const item = await lockItem(tx, projectId, itemId);
  const mine = item.status === "assigned" && item.assigneeId === userId;
  const secondOpinion = item.status === "labelled" || item.status === "conflict";
  const relabel = (await tx.activeLearningLabel.count({ where: { itemId: item.id, userId } })) > 0;
  if (!mine && !secondOpinion && !relabel) {
    if (item.status === "assigned") {
      throw new AppError("CONFLICT", `row ${item.poolRow} is handed out to another member`, { field: "itemId" });
    }
    throw new AppError(
      "BAD_REQUEST",
      `row ${item.poolRow} was not handed out to you (it is ${item.status}); ask for rows with "next" first`,
      { field: "itemId", status: item.status },
    );
  }
  await tx.activeLearningLabel.upsert({
    where: { itemId_userId: { itemId: item.id, userId } },
    create: { itemId: item.id, userId, value },
    update: { value },
  });
  return settle(tx, item, value);
}

/** Takes back the caller's own label of a row (undo); the row returns to the caller's hand if no label is left. */
export async function unlabelItem(deps: Deps, actor: Actor, input: { projectId: string; itemId: string }) {
  const project = await findProject(deps.prisma, actor.teamId, input.projectId);
  return deps.prisma.$transaction(async (tx) => {
    const item = await lockItem(tx, project.id, input.itemId);
    const { count } = await tx.activeLearningLabel.deleteMany({ where: { itemId: item.id, userId: actor.userId } });
    if (count === 0 && item.status !== "skipped") {
      throw new AppError("BAD_REQUEST", `you have not labelled row ${item.poolRow}`, { field: "itemId" });
    }
    if (item.status === "skipped") {
      return tx.activeLearningItem.update({
        where: { id: item.id },
        data: { status: "assigned", assigneeId: actor.userId, assignedAt: new Date() },
        select: itemSelect,
      });
    }
    // Taking back a label reopens the question: the remaining labels decide again.
    return settle(tx, { ...item, status: "assigned", value: null }, null).then(async (r) =>
      r.status === "assigned"
        ? tx.activeLearningItem.update({
            where: { id: item.id },
            data: { assigneeId: actor.userId, assignedAt: new Date() },
            select: itemSelect,
          })
        : r,
    );
  });
}

/** Skips a row handed to the caller: it is left out of training and never picked again. */
export async function skipItem(deps: Deps, actor: Actor, input: { projectId: string; itemId: string }) {
  const project = await findProject(deps.prisma, actor.teamId, input.projectId);
  return deps.prisma.$transaction(async (tx) => {
    const item = await lockItem(tx, project.id, input.itemId);
    if (item.status !== "assigned" || item.assigneeId !== actor.userId) {
      throw new AppError("BAD_REQUEST", `row ${item.poolRow} is not handed out to you (it is ${item.status})`, {
        field: "itemId",
        status: item.status,
      });
    }
    return tx.activeLearningItem.update({ where: { id: item.id }, data: { status: "skipped" }, select: itemSelect });
  });
}

/** Settles a conflict (or overrides an agreement) with one value; the members' labels stay as the record. */
export async function resolveItem(
  deps: Deps,
  actor: Actor,
  input: { projectId: string; itemId: string; value: string },
) {
  const project = await findProject(deps.prisma, actor.teamId, input.projectId);
  const value = checkValue(project, input.value);
  return deps.prisma.$transaction(async (tx) => {
    const item = await lockItem(tx, project.id, input.itemId);
    if (item.status !== "conflict" && item.status !== "labelled") {
      throw new AppError("BAD_REQUEST", `row ${item.poolRow} has no labels to resolve (it is ${item.status})`, {
        field: "itemId",
        status: item.status,
      });
    }
    return tx.activeLearningItem.update({
      where: { id: item.id },
      data: { status: "labelled", value, labelledAt: new Date() },
      select: itemSelect,
    });
  });
}
