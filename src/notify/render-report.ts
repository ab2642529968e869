import type { Annotation, CommitReport } from "../forge/index.js";
import type { Diagnosis, Finding } from "../sentinel/index.js";
import type { FingerprintHistory, StoredFailure } from "../store/index.js";

export interface DiagnosedFailure {
  readonly failure: StoredFailure;
  readonly diagnosis: Diagnosis;
  readonly flaky: boolean;
  readonly history?: FingerprintHistory;
}

/** The check run / commit status name; one per commit, covering every failure on it. */
export const REPORT_NAME = "Sentinel";
/** More than this many annotations per failure helps nobody; the rest are counted in the summary. */
export const MAX_ANNOTATIONS = 500;
const EVIDENCE_LINES = 12;

/** What one failed job amounts to, in a line: "test failure (jest): 2 errors…". */
export function headline(d: Diagnosis): string {
  if (d.category === "unknown") return d.status === "failed" ? "failed, cause not recognised" : "no known failure";
  return `${d.category} failure${d.tool ? ` (${d.tool})` : ""}`;
}

/** The commit's report over all its diagnosed failures; annotations only for `annotate` (the new one). */
export function renderCommitReport(
  sha: string,
  failures: readonly DiagnosedFailure[],
  configErrors: readonly string[],
  annotate: string,
): CommitReport {
  const first = failures[0];
  const title =
    failures.length === 0
      ? "Sentinel: no failures diagnosed"
      : failures.length === 1 && first
        ? `${headline(first.diagnosis)} in ${first.failure.jobName}`
        : `${failures.length} failed jobs: ${[...new Set(failures.map((f) => headline(f.diagnosis)))].join(", ")}`;
  const annotations = failures
    .filter((f) => f.failure.failureKey === annotate)
    .flatMap((f) => f.diagnosis.findings.flatMap((finding) => annotationOf(f.failure.jobName, finding)));
  const unique = dedupe(annotations);
  const sections = failures.map(renderFailureSection);
  if (unique.length > MAX_ANNOTATIONS)
    sections.push(`_${unique.length - MAX_ANNOTATIONS} more annotations were left out._`);
  if (configErrors.length > 0) sections.unshift(renderConfigErrors(configErrors));
  return {
    sha,
    name: REPORT_NAME,
    // CI already failed; Sentinel's own check explains it without failing the commit a second time.
    conclusion: "neutral",
    title: title.slice(0, 255),
    summary: truncate(sections.join("\n\n"), 60_000),
    ...(safeUrl(first?.failure.jobUrl) ? { detailsUrl: safeUrl(first?.failure.jobUrl) as string } : {}),
    annotations: unique.slice(0, MAX_ANNOTATIONS),
  };
}

export function renderConfigErrors(errors: readonly string[]): string {
  return [
    "**Sentinel's configuration has errors.** What could not be read or validated is not applied (an invalid file means the safe defaults), and Sentinel only diagnoses until they are fixed:",
    "",
    ...errors.slice(0, 30).map((e) => `- ${escapeMarkdown(e)}`),
    ...(errors.length > 30 ? [`- …and ${errors.length - 30} more`] : []),
  ].join("\n");
}

function renderFailureSection(f: DiagnosedFailure): string {
  const d = f.diagnosis;
  const url = safeUrl(f.failure.jobUrl);
  const job = url ? `[${escapeMarkdown(f.failure.jobName)}](${url})` : code(f.failure.jobName);
  const lines = [`### ${job}: ${headline(d)}`, "", escapeMarkdown(d.summary)];
  if (d.firstErrorLine)
    lines.push(
      "",
      `First error, log line ${d.firstErrorLine.lineNumber}${d.step ? ` (step "${escapeMarkdown(d.step.name)}")` : ""}:`,
    );
  const evidence = d.evidence?.lines.slice(0, EVIDENCE_LINES) ?? d.lastErrorLines.map((l) => l.text);
  if (evidence.length > 0) lines.push("", fence(evidence.join("\n")));
  const notes: string[] = [];
  if (f.flaky)
    notes.push(
      "**Flaky:** this job both passed and failed on this commit, so the code is not the cause; Sentinel will not propose a code fix.",
    );
  if (d.stats.truncated)
    notes.push(`The log was longer than the configured limit; Sentinel read the first ${formatBytes(d.stats.bytes)}.`);
  if (f.history && f.history.occurrences > 1) {
    const where = f.history.commits > 1 ? `on ${f.history.commits} commits` : "on this commit";
    notes.push(
      `Seen ${f.history.occurrences} times ${where} of this repository${f.history.otherRepos > 0 ? ` and in ${f.history.otherRepos} other repositories` : ""}.`,
    );
  }
  notes.push(`Fingerprint ${code(d.fingerprint)} · confidence ${d.confidence}`);
  return [...lines, "", ...notes].join("\n");
}

function annotationOf(jobName: string, f: Finding): Annotation[] {
  if (!f.file || !f.line || f.severity === "notice") return [];
  // Check annotations need a path inside the repository.
  if (f.file.startsWith("/") || /^[A-Za-z]:[\\/]/.test(f.file) || f.file.startsWith("..")) return [];
  return [
    {
      path: f.file.replace(/\\/g, "/").replace(/^\.\//, ""),
      startLine: f.line,
      endLine: f.line,
      level: f.severity === "error" ? "failure" : "warning",
      message: f.message,
      title: `${jobName}: ${f.code ? `${f.code} ` : ""}${f.tool ?? f.ruleId}`,
    },
  ];
}

function dedupe(xs: Annotation[]): Annotation[] {
  const seen = new Set<string>();
  return xs.filter((a) => {
    const k = `${a.path}:${a.startLine}:${a.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function fence(text: string): string {
  const f = "`".repeat(Math.max(2, longestBacktickRun(text)) + 1);
  return `${f}text\n${text}\n${f}`;
}

/** Fences around text must be longer than any backtick run inside it, or the text closes them. */
function longestBacktickRun(text: string): number {
  return Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
}

/** A link target Sentinel will print: http(s) only, with the characters that end a link encoded. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== "https:" && u.protocol !== "http:") return null;
    return u
      .toString()
      .replace(/[()<>\s"'`]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`);
  } catch {
    return null; // not a URL: the report links nothing
  }
}

/** Inline code that text from a log cannot close: the fence is longer than any backtick run in it. */
export function code(text: string): string {
  const f = "`".repeat(longestBacktickRun(text) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${f}${pad}${text.replace(/\n/g, " ")}${pad}${f}`;
}

/**
 * Text from a log, a hook or a repository, made inert for GitHub and GitLab markdown: no
 * formatting, links, images or HTML (their characters are escaped), no @mentions that notify
 * people, no bare URLs or `www.` hosts that autolink, no `#123` / `!123` references that put a
 * cross-reference on someone's issue (a zero-width space breaks each pattern and reads the same).
 */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/([\\`*_[\]<>|])/g, "\\$1")
    .replace(/@(?=\w)/g, "@\u200b")
    .replace(/\b([A-Za-z][A-Za-z0-9+.-]*):\/\//g, "$1:\u200b//")
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}\u200b.`)
    .replace(/([#!])(?=\d)/g, "$1\u200b");
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 20) + "\n\n_(truncated)_";
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`;
}
