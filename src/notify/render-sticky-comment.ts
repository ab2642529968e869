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
}

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
      const where = primary?.file ? code(`${primary.file}${primary.line ? `:${primary.line}` : ""}`).replace(/\|/g, "\\|") : d.firstErrorLine ? `log line ${d.firstErrorLine.lineNumber}` : "";
      const fix = input.fixes?.get(d.fingerprint);
      const fixLink = fix ? (safeUrl(fix.url) ? `[verified fix #${fix.number}](${safeUrl(fix.url)})` : `verified fix #${fix.number}`) : "";
      const notes = [fixLink, f.flaky ? "flaky" : "", f.history && f.history.commits > 1 ? `seen on ${f.history.commits} commits` : ""].filter(Boolean).join(", ");
      lines.push(`| ${job} | ${escapeMarkdown(headline(d))} | ${where} | ${notes} |`);
    }
    lines.push("", "**What Sentinel proposes:** " + proposal(input));
  }
  if (input.earlier > 0) lines.push("", `_${input.earlier} failure${input.earlier === 1 ? "" : "s"} on earlier commits of this pull request are not shown._`);
  if (input.configErrors.length > 0) lines.push("", `⚠️ Sentinel's configuration has ${input.configErrors.length} error${input.configErrors.length === 1 ? "" : "s"} (see the Sentinel check); it runs on safe defaults.`);
  lines.push("", "<sub>Sentinel edits this comment as CI results change; details are in the Sentinel check on the commit.</sub>");
  return lines.join("\n");
}

function proposal(input: StickyInput): string {
  if (input.fromFork) return "this pull request comes from a fork, so Sentinel only diagnoses it.";
  const fixed = input.current.filter((f) => input.fixes?.has(f.diagnosis.fingerprint)).length;
  if (fixed > 0) return `a verified fix for ${fixed === input.current.length ? "this failure" : `${fixed} of these failures`} is open (linked above); review and merge it.`;
  if (input.current.every((f) => f.flaky)) return "nothing to fix in the code: these jobs are flaky on this commit; a re-run should pass.";
  if (input.current.some((f) => ["infra", "timeout"].includes(f.diagnosis.category))) return "infrastructure or timeout failures are not fixed with code; re-run the job once the cause has passed.";
  return "diagnosis only for now; a maintainer can act on the evidence above.";
}
