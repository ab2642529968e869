// Project and group membership for GitLab permission checks, kept apart from the forge class.
import type { ForgeUser } from "../forge-client.js";
import { z } from "zod";
import { SentinelError } from "../../core/index.js";
import { parseAnswer } from "./api-schemas.js";
import { statusOf, type GitlabApi, type GitlabApiError } from "./gitlab-api.js";

const member = z.object({
  access_level: z.number().int().nullish(),
  /** The user's state (active, blocked, …). */
  state: z.string().nullish(),
  /** "awaiting" while a seat or an approval is pending. */
  membership_state: z.string().nullish(),
});
export type Member = z.infer<typeof member>;

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
    const found = parseAnswer(member, await show.show(id, userId, { includeInherited: true }), operation);
    // A blocked user or a membership still awaiting approval grants nothing.
    if (found.state != null && found.state !== "active") return null;
    if (found.membership_state != null && found.membership_state !== "active") return null;
    return found;
  } catch (error) {
    if (error instanceof SentinelError) throw error;
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
    const found = parseAnswer(
      z.array(z.object({ id: z.number().int(), username: z.string() })),
      await api.Users.all({ username: user.login }),
      `looking up user ${user.login}`,
    );
    return found.find((u) => u.username.toLowerCase() === user.login.toLowerCase())?.id ?? null;
  } catch (error) {
    if (error instanceof SentinelError) throw error;
    throw apiError(`looking up user ${user.login}`, error);
  }
}
