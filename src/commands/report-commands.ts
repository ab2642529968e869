// The read-only commands: `status` and `explain` report what Sentinel knows and decided.
import { effectiveMode } from "../config/index.js";
import type { CommentEvent } from "../core/index.js";
import { code, escapeMarkdown, fence, headline } from "../notify/index.js";
import { TIER_NAMES } from "../policy/index.js";
import type { Answer, CommandDeps } from "./command-deps.js";
import { failuresOnHead, matchFingerprint } from "./head-failures.js";

export async function status(deps: CommandDeps, event: CommentEvent): Promise<string> {
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

export async function explain(deps: CommandDeps, event: CommentEvent, arg: string | undefined): Promise<Answer> {
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
    const history = await deps.store.diagnoses.fingerprintHistory(f.failure.forge, f.failure.repo, d.fingerprint);
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
