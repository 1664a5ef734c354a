import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";

export const roleSchema = z.enum(["owner", "member", "viewer"]);
export const memberOutput = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: roleSchema,
  joinedAt: z.date(),
});

export const getCurrentTeamMeta = {
  openapi: {
    method: "GET",
    path: "/team",
    tags: ["Teams"],
    summary: "The team of this request (API key's team or x-whetstone-team)",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getCurrentTeamInput = z.void();
export const getCurrentTeamOutput = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  createdAt: z.date(),
  role: roleSchema,
  memberCount: z.number().int(),
});

export const listMembersMeta = {
  openapi: { method: "GET", path: "/team/members", tags: ["Teams"], summary: "Members of the team", protect: true },
} satisfies OpenApiMeta;
export const listMembersInput = z.void();
export const listMembersOutput = z.array(memberOutput);

export const addMemberMeta = {
  openapi: {
    method: "POST",
    path: "/team/members",
    tags: ["Teams"],
    summary: "Add a user by email (owners only)",
    protect: true,
  },
  /** REST answers 201 Created. */
  successStatus: 201,
} satisfies OpenApiMeta;
export const addMemberInput = z.object({ email: z.string().min(3).max(320), role: roleSchema.default("member") });

export const changeMemberRoleMeta = {
  openapi: {
    method: "PATCH",
    path: "/team/members/{userId}",
    tags: ["Teams"],
    summary: "Change a member's role (owners only)",
    protect: true,
  },
} satisfies OpenApiMeta;
export const changeMemberRoleInput = z.object({ userId: z.string().min(1), role: roleSchema });

export const removeMemberMeta = {
  openapi: {
    method: "DELETE",
    path: "/team/members/{userId}",
    tags: ["Teams"],
    summary: "Remove a member (owners only; never the last owner)",
    protect: true,
  },
} satisfies OpenApiMeta;
export const removeMemberInput = z.object({ userId: z.string().min(1) });
