import type { Logger } from "pino";
import { effectiveMode, type LoadedRepoConfig } from "../config/index.js";
import type { ForgeClient, Permission, Reaction } from "../forge/index.js";
import { code, escapeMarkdown, fence, headline } from "../notify/index.js";
import { Trust, tierName } from "../pipeline/index.js";
import { mayApprove, parseTier, TIER_NAMES } from "../policy/index.js";
import { safeJobId, type JobQueue } from "../queue/index.js";
import type { GovernanceStore, RunStore, Store, StoredFailure } from "../store/index.js";
import type { Diagnosis } from "../sentinel/index.js";
import { resolveApproval } from "./approvals.js";
import { COMMAND_PERMISSION, TIER_CHANGE_PERMISSION, renderHelp, type CommandName } from "./command-names.js";
import type { CommentEvent, ParsedCommand } from "../core/index.js";
import { permissionAtLeast } from "../forge/permission.js";

export interface CommandDeps {
  readonly store: Store;
  readonly gov: GovernanceStore;
  readonly runs: RunStore;
  readonly queue: JobQueue;
  readonly logger: Logger;
  readonly forge: ForgeClient;
  /** The repository's config from its default branch (the policy names the approvers). */
  readonly loaded: LoadedRepoConfig;
  /** Rewrites the sticky comment after a command changed what it shows. */
  readonly refreshSticky: () => Promise<void>;
}

interface Answer {
  readonly ok: boolean;
  readonly reply?: string;
  readonly refresh?: boolean;
}

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

/** The diagnosed failures on the pull request's current head. */
async function failuresOnHead(
  deps: CommandDeps,
  event: CommentEvent,
): Promise<Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>> {
  const all = await deps.store.diagnosesForPullRequest(event.forge, event.repo, event.prNumber);
  const head = await deps.forge.pullRequestHead(event.prNumber);
  const sha = head ?? all[all.length - 1]?.failure.sha;
  return all.filter((f) => f.failure.sha === sha);
}

function matchFingerprint<T extends { diagnosis: Diagnosis }>(items: readonly T[], arg: string | undefined): T[] {
  if (!arg) return [...items];
  const wanted = arg.toLowerCase();
  return items.filter(
    (f) =>
      f.diagnosis.fingerprint === wanted ||
      (wanted.length >= 8 && f.diagnosis.fingerprint.replace(/^sfp1-/, "").startsWith(wanted.replace(/^sfp1-/, ""))),
  );
}

async function status(deps: CommandDeps, event: CommentEvent): Promise<string> {
  const { gov } = deps;
  const current = await failuresOnHead(deps, event);
  const decisions = await gov.decisions(current.map((f) => f.failure.failureKey));
  const waiting = await gov.waitingApprovals(event.forge, event.repo, event.prNumber);
  const tiers = await gov.listTiers({ forge: event.forge, repo: event.repo });
  const paused = await gov.isPaused(event.forge, event.repo, [event.prNumber]);
  const lines = [
    `**Sentinel status** for ${escapeMarkdown(event.repo)}#${event.prNumber}`,
    "",
    `- Mode: ${code(effectiveMode(deps.loaded.config))}${paused ? " (paused on this pull request)" : ""}`,
  ];
  if (deps.loaded.errors.length > 0)
    lines.push(`- Config: ${deps.loaded.errors.length} error(s); running on safe defaults (diagnose only)`);
  lines.push(`- Failures on the head commit: ${current.length}`);
  for (const f of current) {
    const d = decisions.get(f.failure.failureKey);
    lines.push(
      `  - ${escapeMarkdown(f.failure.jobName)}: ${escapeMarkdown(headline(f.diagnosis))} (${code(f.diagnosis.fingerprint)})${d ? ` — ${d.verdict}${d.rule ? ` by ${code(d.rule)}` : ""}: ${escapeMarkdown(d.message.slice(0, 200))}` : ""}`,
    );
  }
  lines.push(
    `- Waiting for approval: ${waiting.length === 0 ? "nothing" : waiting.map((a) => `${code(a.runId)} (${code(a.rule)}, expires ${a.expiresAt.toISOString()})`).join(", ")}`,
  );
  lines.push(
    `- Agents here: ${tiers.length === 0 ? "none has run yet" : tiers.map((t) => `${code(t.agentId)} ${t.revoked ? "revoked" : TIER_NAMES[t.tier as 0 | 1 | 2 | 3]}`).join(", ")}`,
  );
  return lines.join("\n");
}

async function explain(deps: CommandDeps, event: CommentEvent, arg: string | undefined): Promise<Answer> {
  const matches = matchFingerprint(await failuresOnHead(deps, event), arg);
  if (matches.length === 0)
    return {
      ok: false,
      reply: arg
        ? `No failure on this pull request's head has fingerprint ${code(arg)}.`
        : "Sentinel has diagnosed no failure on this pull request's head commit.",
    };
  const decisions = await deps.gov.decisions(matches.map((f) => f.failure.failureKey));
  const parts: string[] = [];
  for (const f of matches.slice(0, 5)) {
    const d = f.diagnosis;
    const history = await deps.store.fingerprintHistory(f.failure.forge, f.failure.repo, d.fingerprint);
    const primary = d.findings.find((x) => x.logLine === d.firstErrorLine?.lineNumber);
    const decision = decisions.get(f.failure.failureKey);
    parts.push(
      [
        `**${escapeMarkdown(f.failure.jobName)}**: ${escapeMarkdown(headline(d))}`,
        "",
        `- Category ${code(d.category)}, tool ${code(d.tool ?? "unknown")}, confidence ${d.confidence.toFixed(2)}${primary ? `, rule ${code(`${primary.sentinelId}/${primary.ruleId}`)}` : ""}`,
        primary?.file ? `- Blamed: ${code(`${primary.file}${primary.line ? `:${primary.line}` : ""}`)}` : "",
        `- Fingerprint ${code(d.fingerprint)}: seen ${history.occurrences} time(s) on ${history.commits} commit(s)${history.otherRepos > 0 ? `, and in ${history.otherRepos} other repositories` : ""}${f.flaky ? "; flaky on this commit" : ""}`,
        decision
          ? `- Decision: ${decision.verdict}${decision.rule ? ` (rule ${code(decision.rule)})` : ""}: ${escapeMarkdown(decision.message.slice(0, 300))}`
          : "- Decision: none yet",
        "",
        d.evidence ? fence(d.evidence.lines.join("\n")) : "",
      ]
        .filter((l) => l !== "")
        .join("\n"),
    );
  }
  return { ok: true, reply: parts.join("\n\n") };
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

async function decide(
  deps: CommandDeps,
  event: CommentEvent,
  name: "approve" | "deny",
  runId: string | undefined,
  permission: Permission,
): Promise<Answer> {
  const approvers = deps.loaded.config.policy.approval.approvers;
  const teams: string[] = [];
  for (const team of approvers.teams)
    if (await deps.forge.isTeamMember(team, { login: event.author.login, id: event.author.id })) teams.push(team);
  if (!mayApprove(approvers, { permission, login: event.author.login, teams })) {
    return {
      ok: false,
      reply: `Sorry, you are not one of the approvers this repository's policy names (\`policy.approval.approvers\`: ${approvers.permission} access or above${approvers.users.length ? `, or ${approvers.users.join(", ")}` : ""}${approvers.teams.length ? `, or the teams ${approvers.teams.join(", ")}` : ""}).`,
    };
  }
  const waiting = await deps.gov.waitingApprovals(event.forge, event.repo, event.prNumber);
  const targets = runId ? waiting.filter((a) => a.runId === runId) : waiting;
  if (targets.length === 0)
    return {
      ok: false,
      reply: runId
        ? `Run ${code(runId)} is not waiting for approval on this pull request.`
        : "Nothing on this pull request is waiting for approval.",
    };
  const results: string[] = [];
  let ok = true;
  for (const a of targets) {
    const r = await resolveApproval(deps, a.runId, name, `@${event.author.login}`, "comment");
    ok &&= r.ok;
    results.push(escapeMarkdown(r.message));
  }
  return { ok, reply: results.join("\n"), refresh: true };
}

async function resume(deps: CommandDeps, event: CommentEvent, permission: Permission): Promise<Answer> {
  const unpaused = await deps.gov.unpause(event.forge, event.repo, event.prNumber);
  const revoked = await deps.runs.revokedAgents(event.forge, event.repo);
  const lines: string[] = [];
  if (unpaused) lines.push("Sentinel resumes on this pull request.");
  if (revoked.length > 0) {
    if (permissionAtLeast(permission, TIER_CHANGE_PERMISSION)) {
      const trust = new Trust(deps.gov);
      for (const agent of revoked) await trust.restore(event.forge, event.repo, agent, `@${event.author.login}`);
      lines.push(
        `Restored ${revoked.map((a) => code(a)).join(", ")} at ${TIER_NAMES[0]}: ${revoked.length === 1 ? "it earns" : "they earn"} trust again through verified shadow runs.`,
      );
    } else {
      lines.push(
        `${revoked.map((a) => code(a)).join(", ")} ${revoked.length === 1 ? "is" : "are"} revoked in this repository; restoring an agent needs ${TIER_CHANGE_PERMISSION} access.`,
      );
    }
  }
  if (lines.length === 0)
    return { ok: true, reply: "Sentinel was not paused here, and no agent is revoked in this repository." };
  return { ok: true, reply: lines.join("\n"), refresh: true };
}

async function ignore(deps: CommandDeps, event: CommentEvent, arg: string | undefined): Promise<Answer> {
  if (!arg)
    return {
      ok: false,
      reply: "Say which failure: `/sentinel ignore <fingerprint>` (the fingerprints are in `/sentinel status`).",
    };
  const all = await deps.store.diagnosesForPullRequest(event.forge, event.repo, event.prNumber);
  const fingerprints = [...new Set(matchFingerprint(all, arg).map((f) => f.diagnosis.fingerprint))];
  if (fingerprints.length !== 1)
    return {
      ok: false,
      reply:
        fingerprints.length === 0
          ? `No failure on this pull request has fingerprint ${code(arg)}.`
          : `${code(arg)} matches ${fingerprints.length} fingerprints; give more of it.`,
    };
  const fp = fingerprints[0] as string;
  await deps.gov.ignore(event.forge, event.repo, fp, event.author.login);
  await deps.runs.record(null, "fingerprint.ignored", {
    forge: event.forge,
    repo: event.repo,
    fingerprint: fp,
    by: event.author.login,
  });
  return {
    ok: true,
    reply: `Ignoring ${code(fp)} in ${escapeMarkdown(event.repo)}: no fixes or re-runs for it.`,
    refresh: true,
  };
}

async function tier(
  deps: CommandDeps,
  event: CommentEvent,
  args: readonly string[],
  permission: Permission,
): Promise<Answer> {
  const tiers = await deps.gov.listTiers({ forge: event.forge, repo: event.repo });
  if (args.length < 2) {
    const rows = tiers.map(
      (t) =>
        `| ${code(t.agentId)} | ${t.revoked ? "revoked" : TIER_NAMES[t.tier as 0 | 1 | 2 | 3]} | ${t.cleanStreak} | ${escapeMarkdown(t.reason ?? "")} |`,
    );
    return {
      ok: true,
      reply:
        rows.length === 0
          ? "No agent has run in this repository yet; new agents start at the policy's `tiers.start`."
          : ["| agent | tier | clean runs in a row | why |", "| --- | --- | --- | --- |", ...rows].join("\n"),
    };
  }
  if (!permissionAtLeast(permission, TIER_CHANGE_PERMISSION))
    return {
      ok: false,
      reply: `Sorry, changing a tier needs ${TIER_CHANGE_PERMISSION} access, and you have ${permission}.`,
    };
  const [agent, tierText] = args as [string, string];
  const next = parseTier(tierText);
  if (next === null)
    return {
      ok: false,
      reply: `${code(tierText)} is not a tier; use T0 (observe), T1 (propose), T2 (push) or T3 (wide).`,
    };
  await new Trust(deps.gov).set(event.forge, event.repo, agent, next, `@${event.author.login}`);
  return { ok: true, reply: `${code(agent)} is now ${tierName(next)} in ${escapeMarkdown(event.repo)}.` };
}
