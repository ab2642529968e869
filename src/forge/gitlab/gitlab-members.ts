// Project and group membership for GitLab permission checks, kept apart from the forge class.
import type { ForgeUser } from "../forge-client.js";
import { statusOf, type GitlabApi, type GitlabApiError } from "./gitlab-api.js";

export interface Member {
  access_level?: number;
  /** The user's state (active, blocked, …). */
  state?: string;
  /** "awaiting" while a seat or an approval is pending. */
  membership_state?: string;
}

/** The user's membership of a project or group, inherited and invited ones included; null when none. */
export async function readMember(
  api: GitlabApi,
  apiError: GitlabApiError,
  kind: "projects" | "groups",
  id: string,
  user: ForgeUser,
  operation: string,
): Promise<Member | null> {
  const userId = await lookupUserId(api, apiError, user);
  if (userId === null) return null;
  try {
    const show = kind === "projects" ? api.ProjectMembers : api.GroupMembers;
    const member = (await show.show(id, userId, { includeInherited: true })) as unknown as Member;
    // A blocked user or a membership still awaiting approval grants nothing.
    if (member.state !== undefined && member.state !== "active") return null;
    if (member.membership_state !== undefined && member.membership_state !== "active") return null;
    return member;
  } catch (error) {
    // 404: not a member (or no such group); 403: a group the token cannot see.
    const status = statusOf(error);
    if (status === 404 || status === 403) return null;
    throw apiError(operation, error);
  }
}

/** Hooks carry the numeric user id; a username alone is looked up (exactly, not as a search). */
async function lookupUserId(api: GitlabApi, apiError: GitlabApiError, user: ForgeUser): Promise<number | null> {
  if (/^\d+$/.test(user.id)) return Number(user.id);
  try {
    const found = (await api.Users.all({ username: user.login })) as unknown as Array<{
      id: number;
      username: string;
    }>;
    return found.find((u) => u.username.toLowerCase() === user.login.toLowerCase())?.id ?? null;
  } catch (error) {
    throw apiError(`looking up user ${user.login}`, error);
  }
}
