import { permissionAtLeast, type Permission, type Reaction } from "../forge/index.js";
import { code, escapeMarkdown } from "../notify/index.js";
import { safeJobId } from "../queue/index.js";
import { COMMAND_PERMISSION, renderHelp, type CommandName } from "./command-names.js";
import type { CommentEvent, ParsedCommand } from "../core/index.js";
import type { Answer, CommandDeps } from "./command-deps.js";
import { decide, ignore, resume, tier } from "./governance-commands.js";
import { failuresOnHead, matchFingerprint } from "./head-failures.js";
import { explain, status } from "./report-commands.js";

export type { CommandDeps } from "./command-deps.js";

/**
 * Acts on the `/sentinel` commands of one new comment, once: the comment is claimed first, so a
 * redelivered webhook does nothing twice. Each command is checked against the commenter's
 * permission on the repository; Sentinel reacts to acknowledge (👍 done, 😕 refused or unknown),
 * answers in one reply when there is something to say, and records every command in the ledger.
 */
export async function executeCommands(deps: CommandDeps, event: CommentEvent): Promise<"done" | "duplicate"> {
  const { forge, gov } = deps;
  if (!(await gov.claimComment(event.forge, event.repo, event.commentId))) return "duplicate";
  const who = event.author.login;
  const permission = await forge.userPermission({ login: event.author.login, id: event.author.id });
  const answers: Answer[] = [];
  for (const command of event.commands) {
    let answer: Answer;
    try {
      answer = await runOne(deps, event, command, permission);
    } catch (error) {
      deps.logger.error(
        { err: error instanceof Error ? error.message : String(error), command: command.name, repo: event.repo },
        "command failed",
      );
      answer = {
        ok: false,
        reply: `\`${command.raw.slice(0, 100)}\` failed inside Sentinel; the error is in its logs. Try again, or ask an operator.`,
      };
    }
    await deps.runs.record(null, "command", {
      forge: event.forge,
      repo: event.repo,
      pr: event.prNumber,
      comment: event.commentId,
      by: who,
      permission,
      command: command.name,
      args: command.args,
      ok: answer.ok,
    });
    answers.push(answer);
  }
  const reaction: Reaction = answers.every((a) => a.ok) ? "+1" : "confused";
  await forge
    .react(event.prNumber, event.commentId, reaction)
    .catch((error: unknown) =>
      deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "could not react to a command"),
    );
  const replies = answers.map((a) => a.reply).filter((r): r is string => Boolean(r));
  if (replies.length > 0)
    await forge.postComment(event.prNumber, [`@${who}`, "", replies.join("\n\n---\n\n")].join("\n"));
  if (answers.some((a) => a.refresh)) await deps.refreshSticky();
  return "done";
}

async function runOne(
  deps: CommandDeps,
  event: CommentEvent,
  command: ParsedCommand,
  permission: Permission,
): Promise<Answer> {
  if (command.name === "unknown")
    return {
      ok: false,
      reply: `Sentinel does not know \`${escapeMarkdown(command.raw.slice(0, 100))}\`.\n\n${renderHelp()}`,
    };
  const name: CommandName = command.name;
  const needed = COMMAND_PERMISSION[name];
  if (!permissionAtLeast(permission, needed)) {
    return {
      ok: false,
      reply: `Sorry, \`/sentinel ${name}\` needs ${needed} access to ${escapeMarkdown(event.repo)}, and you have ${permission}. A maintainer can run it for you.`,
    };
  }
  switch (name) {
    case "help":
      return { ok: true, reply: renderHelp() };
    case "status":
      return { ok: true, reply: await status(deps, event) };
    case "explain":
      return explain(deps, event, command.args[0]);
    case "fix":
      return fix(deps, event, command.args[0]);
    case "retry":
      return retry(deps, event);
    case "approve":
    case "deny":
      return decide(deps, event, name, command.args[0], permission);
    case "pause":
      await deps.gov.pause(event.forge, event.repo, event.prNumber, event.author.login);
      return { ok: true, refresh: true };
    case "resume":
      return resume(deps, event, permission);
    case "ignore":
      return ignore(deps, event, command.args[0]);
    case "tier":
      return tier(deps, event, command.args, permission);
  }
}

async function fix(deps: CommandDeps, event: CommentEvent, arg: string | undefined): Promise<Answer> {
  if (deps.loaded.errors.length > 0)
    return {
      ok: false,
      reply: "Sentinel's config has errors (see the Sentinel check), so it runs diagnose-only until they are fixed.",
    };
  const matches = matchFingerprint(await failuresOnHead(deps, event), arg).filter(
    (f) => f.diagnosis.status === "failed",
  );
  if (matches.length === 0)
    return {
      ok: false,
      reply: arg
        ? `No failure on this pull request's head has fingerprint ${code(arg)}.`
        : "There is no diagnosed failure on this pull request's head commit to fix.",
    };
  if (matches.some((f) => f.failure.fromFork) && deps.loaded.config.policy.forks !== "approve") {
    return {
      ok: false,
      reply:
        "This pull request comes from a fork: Sentinel diagnoses it but runs no fixer on its code (`policy.forks: diagnose`).",
    };
  }
  for (const f of matches) {
    const requestId = await deps.gov.recordFixRequest({
      failureKey: f.failure.failureKey,
      forge: event.forge,
      repo: event.repo,
      requestedBy: event.author.login,
      via: "comment",
      commentId: event.commentId,
    });
    await deps.queue.add(
      "fix",
      { failureKey: f.failure.failureKey, requestId },
      { jobId: safeJobId("fix", `${f.failure.failureKey}:manual:${event.commentId}`) },
    );
  }
  return {
    ok: true,
    reply: `Queued a fix run for ${matches.length} failure${matches.length === 1 ? "" : "s"}; the policy still applies, and this comment's thread will show the result in Sentinel's sticky comment.`,
  };
}

async function retry(deps: CommandDeps, event: CommentEvent): Promise<Answer> {
  const current = (await failuresOnHead(deps, event)).filter(
    (f) => f.failure.jobId && f.failure.context.actions !== false,
  );
  if (current.length === 0)
    return {
      ok: false,
      reply: "There is no failed CI job on this pull request's head commit that Sentinel can re-run.",
    };
  for (const f of current) {
    await deps.forge.rerunJob(f.failure.jobId as string);
    await deps.gov.recordRerun({
      forge: f.failure.forge,
      repo: f.failure.repo,
      sha: f.failure.sha,
      jobId: f.failure.jobId as string,
      failureKey: f.failure.failureKey,
      requestedBy: event.author.login,
    });
  }
  return { ok: true, reply: `Re-running ${current.map((f) => escapeMarkdown(f.failure.jobName)).join(", ")}.` };
}
