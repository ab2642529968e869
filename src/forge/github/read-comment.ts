import { z } from "zod";
import type { CommentReading } from "../../core/index.js";
import { commentId as id, summarize, withCommands } from "../read-comment.js";

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
  if (p.issue.pull_request === undefined || p.issue.pull_request === null)
    return { ignore: `comment on issue #${p.issue.number}, not a pull request` };
  if (!p.installation)
    return { ignore: `issue_comment for ${p.repository.full_name} without an installation: not sent to the App` };
  const login = p.comment.user?.login ?? "";
  const isBot =
    p.comment.user?.type === "Bot" ||
    /\[bot\]$/i.test(login) ||
    (selfLogin !== undefined && login.toLowerCase() === selfLogin.toLowerCase());
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
