import { code, escapeMarkdown, headline, safeUrl, type DiagnosedFailure } from "./render-report.js";

/**
 * The one comment Sentinel keeps on a pull/merge request, rewritten as things change: the
 * failures on its current head commit, what Sentinel proposes, and older failures in one line.
 */
export interface StickyInput {
  readonly headSha: string;
  readonly current: readonly DiagnosedFailure[];
  readonly earlier: number;
  readonly fromFork: boolean;
  readonly configErrors: readonly string[];
  /** Verified fix pull requests Sentinel opened, by fingerprint. */
  readonly fixes?: ReadonlyMap<string, { number: number; url: string | null }>;
  /** What the policy decided about each failure (by failure key): the one line that says why. */
  readonly decisions?: ReadonlyMap<
    string,
    { verdict: string; rule: string | null; message: string; runId: string | null }
  >;
  /** Fingerprints a maintainer told Sentinel to ignore. */
  readonly ignored?: ReadonlySet<string>;
  readonly paused?: boolean;
}

/** The commands a maintainer can type, listed in every sticky comment. */
export const COMMAND_FOOTER =
  "Commands (in a comment): `/sentinel help` · `status` · `explain` · `fix` · `retry` · `approve` · `deny` · `pause` · `resume` · `ignore <fingerprint>` · `tier`";

export function renderStickyComment(input: StickyInput): string {
  const { headSha, current } = input;
  const short = headSha.slice(0, 7);
  const lines: string[] = [];
  if (current.length === 0) {
    lines.push(`### Sentinel: no failures diagnosed on ${short}`);
  } else {
    lines.push(`### Sentinel: ${current.length} failed job${current.length === 1 ? "" : "s"} on ${short}`, "");
    lines.push("| Job | Diagnosis | First error | |", "| --- | --- | --- | --- |");
    for (const f of current) {
      const d = f.diagnosis;
      const url = safeUrl(f.failure.jobUrl);
      const job = url ? `[${escapeMarkdown(f.failure.jobName)}](${url})` : escapeMarkdown(f.failure.jobName);
      const primary = d.findings.find((x) => x.logLine === d.firstErrorLine?.lineNumber);
      const where = primary?.file
        ? code(`${primary.file}${primary.line ? `:${primary.line}` : ""}`).replace(/\|/g, "\\|")
        : d.firstErrorLine
          ? `log line ${d.firstErrorLine.lineNumber}`
          : "";
      const fix = input.fixes?.get(d.fingerprint);
      const fixLink = fix
        ? safeUrl(fix.url)
          ? `[verified fix #${fix.number}](${safeUrl(fix.url)})`
          : `verified fix #${fix.number}`
        : "";
      const notes = [
        fixLink,
        f.flaky ? "flaky" : "",
        f.history && f.history.commits > 1 ? `seen on ${f.history.commits} commits` : "",
      ]
        .filter(Boolean)
        .join(", ");
      lines.push(`| ${job} | ${escapeMarkdown(headline(d))} | ${where} | ${notes} |`);
    }
    lines.push("", "**What Sentinel proposes:** " + proposal(input));
    const why = decisionLines(input);
    if (why.length > 0) lines.push("", ...why);
  }
  if (input.paused)
    lines.push(
      "",
      "⏸️ Sentinel is paused on this pull request (`/sentinel resume` to continue): it diagnoses but fixes and re-runs nothing.",
    );
  if (input.earlier > 0)
    lines.push(
      "",
      `_${input.earlier} failure${input.earlier === 1 ? "" : "s"} on earlier commits of this pull request are not shown._`,
    );
  if (input.configErrors.length > 0)
    lines.push(
      "",
      `⚠️ Sentinel's configuration has ${input.configErrors.length} error${input.configErrors.length === 1 ? "" : "s"} (see the Sentinel check); it runs on safe defaults.`,
    );
  lines.push("", `<sub>${COMMAND_FOOTER}</sub>`);
  lines.push(
    "",
    "<sub>Sentinel edits this comment as CI results change; details are in the Sentinel check on the commit.</sub>",
  );
  return lines.join("\n");
}

/** One line per failure saying what Sentinel did about it, and which rule stopped it if one did. */
function decisionLines(input: StickyInput): string[] {
  const out: string[] = [];
  for (const f of input.current) {
    const job = escapeMarkdown(f.failure.jobName);
    if (input.ignored?.has(f.diagnosis.fingerprint)) {
      out.push(`- 🙈 ${job}: ignored by a maintainer (fingerprint ${code(f.diagnosis.fingerprint)})`);
      continue;
    }
    const d = input.decisions?.get(f.failure.failureKey);
    if (!d) continue;
    const rule = d.rule ? ` — stopped by ${code(d.rule)}` : "";
    const message = escapeMarkdown(d.message.slice(0, 300));
    switch (d.verdict) {
      case "waiting":
        out.push(
          `- ⏳ ${job}: waiting for approval${rule.replace("stopped by", "asked by")}: ${message}. Approve with ${code(`/sentinel approve${d.runId ? ` ${d.runId}` : ""}`)} or deny with ${code("/sentinel deny")}.`,
        );
        break;
      case "shadow":
        out.push(`- 👀 ${job}: ${message}`);
        break;
      case "rerun":
        out.push(`- 🔁 ${job}: ${message}`);
        break;
      case "proposed":
      case "pushed":
      case "suggested":
        out.push(`- ✅ ${job}: ${message}`);
        break;
      default:
        out.push(`- ⛔ ${job}: not fixed${rule}: ${message}`);
    }
  }
  return out;
}

function proposal(input: StickyInput): string {
  if (input.fromFork) {
    const waiting = input.current.some((f) => input.decisions?.get(f.failure.failureKey)?.verdict === "waiting");
    return waiting
      ? "this pull request comes from a fork: Sentinel runs a fixer on its code only once a maintainer approves (below)."
      : "this pull request comes from a fork, so Sentinel only diagnoses it.";
  }
  const fixed = input.current.filter((f) => input.fixes?.has(f.diagnosis.fingerprint)).length;
  if (fixed > 0)
    return `a verified fix for ${fixed === input.current.length ? "this failure" : `${fixed} of these failures`} is open (linked above); review and merge it.`;
  if (input.current.every((f) => f.flaky))
    return "nothing to fix in the code: these jobs are flaky on this commit; a re-run should pass.";
  if (input.current.some((f) => ["infra", "timeout"].includes(f.diagnosis.category)))
    return "infrastructure or timeout failures are not fixed with code; re-run the job once the cause has passed.";
  return "diagnosis only for now; a maintainer can act on the evidence above.";
}
