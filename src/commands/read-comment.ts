import { z } from "zod";
import { STICKY_MARKER } from "../forge/forge-client.js";
import { parseCommands, type CommentEvent, type CommentReading } from "../core/index.js";

export type { CommentEvent, CommentReading };

const id = z.union([z.number().int(), z.string().min(1)]).transform(String);

const githubComment = z.object({
  action: z.string(),
  installation: z.object({ id }).nullish(),
  repository: z.object({ id, full_name: z.string().min(1) }),
  issue: z.object({ number: z.number().int().positive(), pull_request: z.unknown().optional() }),
  comment: z.object({
    id,
    body: z.string().nullish(),
    html_url: z.string().nullish(),
    user: z.object({ login: z.string(), id, type: z.string().nullish() }).nullish(),
  }),
});

/**
 * Reads a GitHub `issue_comment` delivery. Only a new comment on a pull request, by a person, can
 * hold commands; everything else is ignored with the reason. Pure: no API calls.
 */
export function readGithubComment(event: string, payload: unknown, selfLogin?: string): CommentReading {
  if (event !== "issue_comment") return { ignore: `${event} is not a comment event` };
  const action = (payload as { action?: unknown } | null)?.action;
  // A command runs once, when it is posted; editing or deleting its comment must not run it again.
  if (action === "edited") return { ignore: "issue_comment.edited: commands in edited comments do not fire again" };
  if (action === "deleted") return { ignore: "issue_comment.deleted: a deleted comment runs no commands" };
  if (action !== "created") return { ignore: `issue_comment.${String(action ?? "?")} is not a new comment` };
  const parsed = githubComment.safeParse(payload);
  if (!parsed.success) return { ignore: `issue_comment payload not understood: ${summarize(parsed.error)}` };
  const p = parsed.data;
  // The issues API carries pull request conversation comments; `pull_request` marks them.
  if (p.issue.pull_request === undefined || p.issue.pull_request === null) return { ignore: `comment on issue #${p.issue.number}, not a pull request` };
  if (!p.installation) return { ignore: `issue_comment for ${p.repository.full_name} without an installation: not sent to the App` };
  const login = p.comment.user?.login ?? "";
  const isBot = p.comment.user?.type === "Bot" || /\[bot\]$/i.test(login) || (selfLogin !== undefined && login.toLowerCase() === selfLogin.toLowerCase());
  if (isBot) return { ignore: `comment by the bot ${login || "(unknown)"}` };
  return withCommands({
    forge: "github",
    repo: p.repository.full_name,
    repoId: p.repository.id,
    installationId: p.installation.id,
    prNumber: p.issue.number,
    commentId: p.comment.id,
    author: { login, id: p.comment.user?.id ?? "", isBot },
    body: p.comment.body ?? "",
    url: p.comment.html_url ?? null,
  });
}

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
  const isBot = GITLAB_BOT.test(login) || (selfUsername !== undefined && login.toLowerCase() === selfUsername.toLowerCase());
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
export function confirmedComment(claimed: CommentEvent, api: { readonly author: { readonly login: string; readonly id: string }; readonly body: string; readonly system: boolean }, selfUsername?: string): CommentReading {
  if (api.system) return { ignore: "system note" };
  const login = api.author.login;
  if (GITLAB_BOT.test(login) || (selfUsername !== undefined && login.toLowerCase() === selfUsername.toLowerCase())) return { ignore: `note by the bot ${login}` };
  return withCommands({ ...claimed, author: { login, id: api.author.id, isBot: false }, body: api.body });
}

function withCommands(event: Omit<CommentEvent, "commands">): CommentReading {
  // Sentinel's own sticky comment quotes failures, which may quote commands.
  if (event.body.includes(STICKY_MARKER)) return { ignore: "Sentinel's sticky comment" };
  const commands = parseCommands(event.body);
  if (commands.length === 0) return { ignore: "no /sentinel command" };
  return { ...event, commands };
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
