// The commands that change what humans decided: approve/deny, resume, ignore and tier.
import type { CommentEvent } from "../core/index.js";
import { permissionAtLeast, type Permission } from "../forge/index.js";
import { code, escapeMarkdown } from "../notify/index.js";
import { Trust, tierName } from "../pipeline/index.js";
import { mayApprove, parseTier, TIER_NAMES } from "../policy/index.js";
import { resolveApproval } from "./approvals.js";
import { TIER_CHANGE_PERMISSION } from "./command-names.js";
import type { Answer, CommandDeps } from "./command-deps.js";
import { matchFingerprint } from "./head-failures.js";

export async function decide(
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

export async function resume(deps: CommandDeps, event: CommentEvent, permission: Permission): Promise<Answer> {
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

export async function ignore(deps: CommandDeps, event: CommentEvent, arg: string | undefined): Promise<Answer> {
  if (!arg)
    return {
      ok: false,
      reply: "Say which failure: `/sentinel ignore <fingerprint>` (the fingerprints are in `/sentinel status`).",
    };
  const all = await deps.store.diagnoses.forPullRequest(event.forge, event.repo, event.prNumber);
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

export async function tier(
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
