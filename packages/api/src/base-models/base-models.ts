import type { Prisma, PrismaClient } from "@whetstone/db";
import { audit } from "../audit/audit";
import { AppError, notFound } from "../errors";

export const baseModelSelect = {
  id: true,
  teamId: true,
  name: true,
  source: true,
  ref: true,
  revision: true,
  parameterCount: true,
  contextLength: true,
  artifactKind: true,
  createdAt: true,
  parent: { select: { id: true, name: true } },
  sourceJob: { select: { id: true, name: true } },
} satisfies Prisma.BaseModelSelect;
type BaseModelRow = Prisma.BaseModelGetPayload<{ select: typeof baseModelSelect }>;

/** JSON has no bigint: parameter counts fit a double exactly up to 2^53. */
export const toBaseModel = (m: BaseModelRow) => ({
  ...m,
  parameterCount: m.parameterCount === null ? null : Number(m.parameterCount),
  /** Offered to every team by the instance admin. */
  instanceWide: m.teamId === null,
});

/** Visible to a team: its own models (registered or produced by its jobs) and the instance-wide ones. */
const visibleTo = (teamId: string) => ({ OR: [{ teamId }, { teamId: null }] }) satisfies Prisma.BaseModelWhereInput;

export async function listBaseModels(prisma: PrismaClient, teamId: string) {
  const rows = await prisma.baseModel.findMany({
    where: visibleTo(teamId),
    select: baseModelSelect,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return rows.map(toBaseModel);
}

export async function getBaseModel(prisma: PrismaClient, teamId: string, id: string) {
  const m = await prisma.baseModel.findFirst({ where: { id, ...visibleTo(teamId) }, select: baseModelSelect });
  if (!m) throw notFound(`base model "${id}"`);
  return toBaseModel(m);
}

const HF_ID_RE = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

export interface RegisterBaseModelInput {
  name: string;
  source: "huggingface" | "local";
  ref: string;
  revision?: string | null;
  parameterCount?: number | null;
  contextLength?: number | null;
}

/** Registers a Hugging Face id or a directory on the runner hosts as a base model of the team. */
export async function registerBaseModel(
  prisma: PrismaClient,
  actor: { teamId: string; userId: string },
  input: RegisterBaseModelInput,
) {
  const ref = input.ref.trim();
  if (input.source === "huggingface" && !HF_ID_RE.test(ref)) {
    throw new AppError("BAD_REQUEST", `"${ref}" is not a Hugging Face model id (owner/name)`, { field: "ref" });
  }
  if (input.source === "local" && (!ref.startsWith("/") || ref.split("/").includes(".."))) {
    throw new AppError(
      "BAD_REQUEST",
      `a local model needs an absolute directory path on the runner hosts without "..", got "${ref}"`,
      { field: "ref" },
    );
  }
  const clash = await prisma.baseModel.findFirst({
    where: { name: input.name, ...visibleTo(actor.teamId) },
    select: { id: true },
  });
  if (clash) throw new AppError("CONFLICT", `a base model named "${input.name}" already exists`, { field: "name" });
  const m = await prisma.baseModel.create({
    data: {
      teamId: actor.teamId,
      name: input.name,
      source: input.source,
      ref,
      revision: input.revision ?? null,
      parameterCount: input.parameterCount == null ? null : BigInt(input.parameterCount),
      contextLength: input.contextLength ?? null,
    },
    select: baseModelSelect,
  });
  await audit(prisma, {
    action: "base_model.registered",
    actorUserId: actor.userId,
    teamId: actor.teamId,
    targetType: "base_model",
    targetId: m.id,
    details: { source: input.source, ref },
  });
  return toBaseModel(m);
}
