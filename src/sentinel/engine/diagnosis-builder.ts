import type {
  Category,
  Diagnosis,
  DiagnosisCategory,
  Evidence,
  Finding,
  LogLineRef,
  StepSummary,
} from "../model/types.js";
import { FAILING_CLASSIFICATIONS } from "../model/types.js";
import { fingerprintOf } from "./fingerprint.js";

/** Below this a finding says "something failed" (an exit code) but not what: it cannot name the category. */
export const SPECIFIC_CONFIDENCE = 0.5;
const MAX_FINDINGS = 500;
const MAX_LAST_ERROR_LINES = 5;

export interface DiagnosisInput {
  readonly bytes: number;
  readonly lines: number;
  readonly candidateLines: number;
  readonly truncated: boolean;
  /** Set when matching stopped early: why, on which line, and the budget that ran out. */
  readonly stopped?: { readonly reason: "cpu-budget"; readonly line: number; readonly limitMs: number };
  readonly steps: StepSummary[];
  readonly exitCode?: number;
}

/**
 * Accumulates findings as they stream past and settles the verdict at the end. The primary
 * finding (the one the diagnosis is about) is the most confident failing finding, the earliest
 * among equals: a tool's own error outranks the runner's "exit code 1" that follows it.
 */
export class DiagnosisBuilder {
  private readonly findings: Finding[] = [];
  private dropped = 0;
  private primary: Finding | undefined;
  private primaryText = "";
  private evidence: { startLine: number; lines: string[] } | null = null;
  private readonly categoryCounts: Partial<Record<Category | "unknown", number>> = {};
  private readonly lastErrorLines: LogLineRef[] = [];
  private successes = 0;
  private failing = 0;

  add(f: Finding): boolean {
    if (this.findings.length < MAX_FINDINGS) this.findings.push(f);
    else this.dropped++;
    if (f.classification === "Success") this.successes++;
    if (!FAILING_CLASSIFICATIONS.has(f.classification)) return false;
    this.failing++;
    const key = f.confidence >= SPECIFIC_CONFIDENCE ? (f.category ?? "unknown") : undefined;
    if (key) this.categoryCounts[key] = (this.categoryCounts[key] ?? 0) + 1;
    if (!this.primary || f.confidence > this.primary.confidence) {
      this.primary = f;
      return true;
    }
    return false;
  }

  /** Called right after `add` returned true, with the cleaned text around the new primary. */
  setPrimaryContext(text: string, before: readonly string[], after: readonly string[]): void {
    this.primaryText = text;
    this.evidence = {
      startLine: (this.primary?.logLine ?? 0) - before.length,
      lines: [...before, text, ...after].map(clip),
    };
  }

  /** More lines following the primary, when they arrive in a later chunk. */
  extendEvidence(text: string): void {
    this.evidence?.lines.push(clip(text));
  }

  noteErrorLooking(line: LogLineRef): void {
    this.lastErrorLines.push({ ...line, text: clip(line.text) });
    if (this.lastErrorLines.length > MAX_LAST_ERROR_LINES) this.lastErrorLines.shift();
  }

  build(input: DiagnosisInput): Diagnosis {
    const primary = this.primary;
    const specific = primary && primary.confidence >= SPECIFIC_CONFIDENCE ? primary : undefined;
    const exitFailed = input.exitCode !== undefined && input.exitCode !== 0;
    let status: Diagnosis["status"];
    if (primary || exitFailed) status = "failed";
    // A log not read to its end has not passed for lack of a failure in its first part.
    else if (input.exitCode === 0 || ((this.successes > 0 || this.lastErrorLines.length === 0) && !input.stopped))
      status = "passed";
    else status = "unknown";
    const category: DiagnosisCategory = status === "passed" ? "passed" : (specific?.category ?? "unknown");
    const errors = this.findings.filter(
      (f) => FAILING_CLASSIFICATIONS.has(f.classification) && f.confidence >= SPECIFIC_CONFIDENCE,
    );
    const tool = specific?.tool ?? null;
    const confidence = confidenceOf(status, category, specific, this.categoryCounts, this.successes);
    const evidence: Evidence | null = this.evidence && {
      startLine: this.evidence.startLine,
      lines: this.evidence.lines,
    };
    const fingerprint =
      status === "passed"
        ? fingerprintOf("passed", null, [], [])
        : fingerprintOf(category, tool, errors, this.lastErrorLines);
    return {
      schemaVersion: 1,
      status,
      category,
      tool,
      confidence,
      summary: withStopNote(
        summaryOf(status, category, tool, specific ?? primary, errors, this.findings, input.exitCode),
        input.stopped,
        this.lastErrorLines.length > 0,
      ),
      fingerprint,
      step: primary?.step ?? null,
      firstErrorLine: primary
        ? { lineNumber: primary.logLine, text: clip(this.primaryText), ...(primary.step ? { step: primary.step } : {}) }
        : null,
      evidence: status === "passed" ? null : evidence,
      findings: this.findings,
      categories: { ...this.categoryCounts },
      lastErrorLines: category === "unknown" ? [...this.lastErrorLines] : [],
      steps: input.steps,
      ...(input.exitCode === undefined ? {} : { exitCode: input.exitCode }),
      stats: {
        bytes: input.bytes,
        lines: input.lines,
        candidateLines: input.candidateLines,
        truncated: input.truncated,
        ...(input.stopped ? { stopped: input.stopped.reason } : {}),
        findingsDropped: this.dropped,
      },
    };
  }
}

/** The summary, and when matching stopped early, why and where, so that no reader takes it for the whole log. */
function withStopNote(summary: string, stopped: DiagnosisInput["stopped"], errorLooking: boolean): string {
  if (!stopped) return summary;
  const note =
    `Sentinel stopped at log line ${stopped.line}: matching this log against the rules took more than the ${stopped.limitMs / 1000} s CPU budget of one diagnosis, ` +
    "so later lines were not read (a repository's rules with broad patterns, on long lines, do that).";
  // Status `unknown` says "the log has error-looking lines"; when none were seen, say only what happened.
  const guessed = summary.startsWith("No sentinel") && !errorLooking;
  return guessed ? `No failure recognised before Sentinel stopped. ${note}` : `${summary} ${note}`;
}

function clip(text: string): string {
  return text.length > 500 ? text.slice(0, 500) + "…" : text;
}

function confidenceOf(
  status: Diagnosis["status"],
  category: DiagnosisCategory,
  primary: Finding | undefined,
  counts: Partial<Record<string, number>>,
  successes: number,
): number {
  if (status === "passed") return successes > 0 ? 0.9 : 0.6;
  if (!primary || category === "unknown") return 0;
  const total = Object.values(counts).reduce((a: number, b) => a + (b ?? 0), 0);
  const agreement = total === 0 ? 1 : (counts[category] ?? 0) / total;
  return round(primary.confidence * (0.75 + 0.25 * agreement));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function summaryOf(
  status: Diagnosis["status"],
  category: DiagnosisCategory,
  tool: string | null,
  primary: Finding | undefined,
  errors: readonly Finding[],
  all: readonly Finding[],
  exitCode: number | undefined,
): string {
  if (status === "passed") {
    const warnings = all.filter((f) => f.classification === "Warning").length;
    return warnings > 0
      ? `Passed, with ${warnings} warning${warnings === 1 ? "" : "s"}.`
      : "Passed: no failures found.";
  }
  if (category === "unknown") {
    const what = primary ? `"${primary.message}"` : exitCode !== undefined ? `exit code ${exitCode}` : "the log";
    return status === "unknown"
      ? "No sentinel recognised a failure, but the log has error-looking lines; see the last ones."
      : `Failed (${what}), but no sentinel recognised why; see the last error-looking lines.`;
  }
  const files = new Set(errors.map((f) => f.file).filter(Boolean));
  const where = primary?.file
    ? ` First: ${primary.file}${primary.line ? `:${primary.line}` : ""}${primary.column ? `:${primary.column}` : ""}`
    : " First:";
  const code = primary?.code ? ` ${primary.code}` : "";
  const count = `${errors.length} error${errors.length === 1 ? "" : "s"}${files.size > 0 ? ` in ${files.size} file${files.size === 1 ? "" : "s"}` : ""}`;
  return `${category} failure${tool ? ` (${tool})` : ""}: ${count}.${where}${code} ${primary?.message ?? ""}`.trim();
}
