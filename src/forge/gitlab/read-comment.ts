import { z } from "zod";
import type { CommentEvent, CommentReading } from "../../core/index.js";
import { commentId as id, summarize, withCommands } from "../read-comment.js";

const gitlabNote = z.object({
  object_kind: z.literal("note"),
  user: z.object({ id, username: z.string() }),
  project: z.object({ id, path_with_namespace: z.string().min(1) }),
  object_attributes: z.object({
    id,
    note: z.string().nullish(),
    noteable_type: z.string(),
    system: z.boolean().nullish(),
    action: z.string().nullish(),
    url: z.string().nullish(),
  }),
  merge_request: z.object({ iid: z.number().int().positive() }).nullish(),
});

/** GitLab's bot users: project and group access tokens' bots, and the usual naming of bot accounts. */
const GITLAB_BOT = /^(?:project|group)_\d+_bot|[-_]bot$/i;

/**
 * Reads a GitLab Note Hook. Only a new, human note on a merge request can hold commands. Pure.
 */
export function readGitlabNote(payload: unknown, selfUsername?: string): CommentReading {
  const kind = (payload as { object_kind?: unknown } | null)?.object_kind;
  if (kind !== "note") return { ignore: `${String(kind ?? "a hook without object_kind")} is not a note` };
  const parsed = gitlabNote.safeParse(payload);
  if (!parsed.success) return { ignore: `Note Hook payload not understood: ${summarize(parsed.error)}` };
  const p = parsed.data;
  const note = p.object_attributes;
  if (note.noteable_type !== "MergeRequest") return { ignore: `${note.noteable_type} note, not a merge request note` };
  // GitLab 16.11+ also sends edits (action "update"); older GitLab sends new notes only, without `action`.
  if (note.action === "update") return { ignore: "note update: commands in edited comments do not fire again" };
  if (note.action && note.action !== "create") return { ignore: `note ${note.action} is not a new note` };
  // System notes are GitLab's own ("added 1 commit"): nobody typed them.
  if (note.system === true) return { ignore: "system note" };
  if (!p.merge_request) return { ignore: "merge request note without its merge request" };
  const login = p.user.username;
  const isBot =
    GITLAB_BOT.test(login) || (selfUsername !== undefined && login.toLowerCase() === selfUsername.toLowerCase());
  if (isBot) return { ignore: `note by the bot ${login}` };
  return withCommands({
    forge: "gitlab",
    repo: p.project.path_with_namespace,
    repoId: p.project.id,
    installationId: null,
    prNumber: p.merge_request.iid,
    commentId: note.id,
    author: { login, id: p.user.id, isBot },
    body: note.note ?? "",
    url: note.url ?? null,
  });
}

/**
 * The comment as the forge's API has it (author and text) in place of what an unsigned hook
 * claimed: a GitLab Note Hook's `user` and `note` are whatever the holder of the webhook secret
 * wrote. Ignored, as a hook would be, when the API's author is a bot or Sentinel itself.
 */
export function confirmedComment(
  claimed: CommentEvent,
  api: {
    readonly author: { readonly login: string; readonly id: string };
    readonly body: string;
    readonly system: boolean;
  },
  selfUsername?: string,
): CommentReading {
  if (api.system) return { ignore: "system note" };
  const login = api.author.login;
  if (GITLAB_BOT.test(login) || (selfUsername !== undefined && login.toLowerCase() === selfUsername.toLowerCase()))
    return { ignore: `note by the bot ${login}` };
  return withCommands({ ...claimed, author: { login, id: api.author.id, isBot: false }, body: api.body });
}
