import type {
  Category,
  Diagnosis,
  DiagnosisCategory,
  Finding,
  LogLineRef,
  StepRef,
  StepSummary,
} from "../model/types.js";
import { FAILING_CLASSIFICATIONS } from "../model/types.js";
import { fingerprintOf } from "./fingerprint.js";
import { mergeFindings, rankOf, SPECIFIC_CONFIDENCE, type Kept, type Merged } from "./merge-findings.js";

export { SPECIFIC_CONFIDENCE };
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
 * Accumulates findings as they stream past and settles the verdict at the end.
 *
 * The primary finding (the one the diagnosis is about) is the most confident failing finding, the
 * earliest among equals; a summary line (`summary: true`) ranks below any specific finding, so
 * `✖ 4 problems` never outranks the problems it counts. At the end, findings of the same error
 * are merged (merge-findings.ts); the first error line is the first line of the primary's error,
 * and counts are of merged, non-summary diagnostics.
 */
export class DiagnosisBuilder {
  private readonly kept: Kept[] = [];
  private dropped = 0;
  private primary: Finding | undefined;
  private primaryText = "";
  private evidence: { startLine: number; lines: string[] } | null = null;
  private readonly lastErrorLines: LogLineRef[] = [];
  private successes = 0;

  /**
   * `text` is the finding's first line. Returns true when the finding is the new primary; the
   * caller then hands over the lines around it (setPrimaryContext).
   */
  add(f: Finding, text: string): boolean {
    if (this.kept.length < MAX_FINDINGS) this.kept.push({ finding: f, text: clip(text) });
    else this.dropped++;
    if (f.classification === "Success") this.successes++;
    if (!FAILING_CLASSIFICATIONS.has(f.classification)) return false;
    // A failing line no rule explains is where a person would start reading.
    if (f.confidence < SPECIFIC_CONFIDENCE) this.noteErrorLooking(f.logLine, text, f.step);
    const p = this.primary;
    const rank = rankOf(f);
    if (!p || rank > rankOf(p) || (rank === rankOf(p) && f.logLine < p.logLine)) {
      this.primary = f;
      this.primaryText = clip(text);
      return true;
    }
    return false;
  }

  /** Called right after `add` returned true, with the cleaned text around the new primary. */
  setPrimaryContext(text: string, before: readonly string[], after: readonly string[]): void {
    this.evidence = {
      startLine: (this.primary?.logLine ?? 0) - before.length,
      lines: [...before, text, ...after].map(clip),
    };
  }

  /** More lines following the primary, when they arrive in a later chunk. */
  extendEvidence(text: string): void {
    this.evidence?.lines.push(clip(text));
  }

  noteErrorLooking(lineNumber: number, text: string, step: StepRef | undefined): void {
    if (this.lastErrorLines.some((l) => l.lineNumber === lineNumber)) return;
    // (Built by name, not spread: a log's passing parts hold thousands of such lines.)
    this.lastErrorLines.push(step ? { lineNumber, text: clip(text), step } : { lineNumber, text: clip(text) });
    if (this.lastErrorLines.length > MAX_LAST_ERROR_LINES) this.lastErrorLines.shift();
  }

  build(input: DiagnosisInput): Diagnosis {
    const merged = mergeFindings(this.kept);
    const findings = merged.map((m) => m.finding);
    const p = this.primary;
    // The primary is kept even when the findings list was full and dropped it.
    const primaryError =
      p &&
      (merged.find((m) => m.members.some((k) => k.finding === p)) ?? {
        finding: p,
        text: this.primaryText,
        members: [],
      });
    const errors = findings.filter(isCountedError);
    const warnings = findings.filter((f) => f.severity === "warning" && !f.summary);
    const exitFailed = input.exitCode !== undefined && input.exitCode !== 0;
    let status: Diagnosis["status"];
    if (this.primary || exitFailed) status = "failed";
    // A log not read to its end has not passed for lack of a failure in its first part.
    else if (input.exitCode === 0 || ((this.successes > 0 || this.lastErrorLines.length === 0) && !input.stopped))
      status = "passed";
    else status = "unknown";

    let primary = primaryError?.finding;
    let specific = primary && primary.confidence >= SPECIFIC_CONFIDENCE ? primary : undefined;
    // A failed step with warnings and no error: the warnings are what it has to say.
    const onlyWarnings = status === "failed" && !specific && warnings.some((w) => w.confidence >= SPECIFIC_CONFIDENCE);
    if (onlyWarnings) {
      specific = warnings.reduce((best, w) => (rankOf(w) > rankOf(best) ? w : best));
      primary = primary ?? specific;
    }
    const category: DiagnosisCategory = status === "passed" ? "passed" : (specific?.category ?? "unknown");
    const tool = specific?.tool ?? null;
    const categories = countCategories(errors);
    const confidence = confidenceOf(status, category, specific, categories, this.successes);
    const firstError = status === "passed" ? null : firstErrorOf(primaryError, merged);
    const fingerprint =
      status === "passed"
        ? fingerprintOf("passed", null, [], [])
        : fingerprintOf(category, tool, onlyWarnings ? warnings : errors, this.lastErrorLines);
    return {
      schemaVersion: 1,
      status,
      category,
      tool,
      confidence,
      summary: withStopNote(
        onlyWarnings
          ? warningsSummaryOf(category, tool, specific, warnings, input.exitCode)
          : summaryOf(status, category, tool, specific ?? primary, errors, findings, input.exitCode),
        input.stopped,
        this.lastErrorLines.length > 0,
      ),
      fingerprint,
      step: (firstError?.finding ?? primary)?.step ?? null,
      firstErrorLine: firstError
        ? {
            lineNumber: firstError.finding.logLine,
            text: firstError.text,
            ...(firstError.finding.step ? { step: firstError.finding.step } : {}),
          }
        : null,
      evidence: status === "passed" ? null : this.evidence && { ...this.evidence },
      findings,
      errorCount: errors.length,
      warningCount: warnings.length,
      categories,
      lastErrorLines: category === "unknown" ? [...this.lastErrorLines] : [],
      steps: recountSteps(input.steps, findings),
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

/** An error diagnostic: failing, specific, and not a summary of others. */
function isCountedError(f: Finding): boolean {
  return FAILING_CLASSIFICATIONS.has(f.classification) && f.confidence >= SPECIFIC_CONFIDENCE && !f.summary;
}

/**
 * The first line of the primary's error; when the primary is a summary (nothing else said what
 * failed), the first failing line that is not one, if any: a summary line is never the answer.
 */
function firstErrorOf(primary: Merged | undefined, merged: readonly Merged[]): Merged | undefined {
  if (!primary) return undefined;
  if (!primary.finding.summary) return primary;
  return merged.find((m) => !m.finding.summary && FAILING_CLASSIFICATIONS.has(m.finding.classification));
}

function countCategories(errors: readonly Finding[]): Partial<Record<Category | "unknown", number>> {
  const counts: Partial<Record<Category | "unknown", number>> = {};
  for (const f of errors) {
    const key = f.category ?? "unknown";
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Per-step counts of the merged diagnostics, as the diagnosis counts them. */
function recountSteps(steps: readonly StepSummary[], findings: readonly Finding[]): StepSummary[] {
  return steps.map((s) => {
    const mine = findings.filter((f) => f.step?.name === s.name && !f.summary);
    return {
      ...s,
      errors: mine.filter(isCountedError).length,
      warnings: mine.filter((f) => f.severity === "warning").length,
    };
  });
}

function warningsSummaryOf(
  category: DiagnosisCategory,
  tool: string | null,
  first: Finding | undefined,
  warnings: readonly Finding[],
  exitCode: number | undefined,
): string {
  const why = exitCode !== undefined && exitCode !== 0 ? `exit code ${exitCode}` : "a failing step";
  const n = `${warnings.length} warning${warnings.length === 1 ? "" : "s"}`;
  return `${category} failure${tool ? ` (${tool})` : ""}: ${why}, with no errors but ${n}.${where(first)} ${first?.message ?? ""}`.trim();
}

function where(f: Finding | undefined): string {
  return f?.file ? ` First: ${f.file}${f.line ? `:${f.line}` : ""}${f.column ? `:${f.column}` : ""}` : " First:";
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
  const head = `${category} failure${tool ? ` (${tool})` : ""}`;
  // Only a summary line said so (the lines it counts were not in the log): quote it.
  if (errors.length === 0) return `${head}: ${primary?.message ?? ""}`.trim();
  const files = new Set(errors.map((f) => f.file).filter(Boolean));
  const code = primary?.code ? ` ${primary.code}` : "";
  const count = `${errors.length} error${errors.length === 1 ? "" : "s"}${files.size > 0 ? ` in ${files.size} file${files.size === 1 ? "" : "s"}` : ""}`;
  return `${head}: ${count}.${where(primary)}${code} ${primary?.message ?? ""}`.trim();
}
