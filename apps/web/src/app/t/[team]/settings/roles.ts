/** A member's or an API key's role in the team. */
export type Role = "owner" | "member" | "viewer";

export const ROLE_HELP: Record<Role, string> = {
  owner: "Everything, including members and keys",
  member: "Upload data, run and cancel jobs",
  viewer: "Read-only",
};
