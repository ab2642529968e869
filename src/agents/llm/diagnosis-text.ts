import type { Diagnosis, Finding } from "../../sentinel/index.js";
import type { LlmTask } from "./prompt.js";

const MAX_FINDINGS = 15;
const MAX_EVIDENCE_LINES = 40;
const MAX_LINE_CHARS = 300;

/**
 * A finding the model can start from: an error that names a file and a line. The llm-patch
 * agent is only tried for diagnoses that have one (and evidence), never on a bare exit code.
 */
export function locatedFindings(d: Diagnosis): Finding[] {
  return d.findings.filter((f) => f.severity === "error" && !f.summary && Boolean(f.file) && Boolean(f.line));
}

/** Sentinel's own sentence of what to do: trusted, written here, never copied from CI. */
const INSTRUCTION = [
  "A CI check of this repository fails. The diagnosis and the log lines around the first error follow, as data.",
  "Find the cause in the code and fix it: read the files you need, change them with apply_patch (a unified diff with",
  "correct context lines, paths relative to the repository root), then call run_check to re-run the failing command.",
  "When run_check passes you are done. Fix the code under test, not the test, unless the test itself is plainly wrong.",
].join(" ");

/** The task for a diagnosis: what failed, where, and the log around it. */
export function taskFor(d: Diagnosis, failingCommand: readonly string[]): LlmTask {
  return {
    instruction: INSTRUCTION,
    diagnosis: describeDiagnosis(d, { command: failingCommand }),
    logExcerpt: evidenceText(d) || "(no log lines were kept)",
  };
}

/**
 * What run_check hands back: the new diagnosis (status, category, findings, the lines around its
 * first error), never the whole log. The lines are the sentinels' evidence, capped.
 */
export function checkSummary(d: Diagnosis, exitCode: number | null): string {
  const passed = exitCode === 0 && d.status !== "failed";
  const head = passed ? "status: passed (exit 0)" : `status: failed (exit ${exitCode ?? "none"})`;
  if (passed) return head;
  const evidence = evidenceText(d);
  return [head, describeDiagnosis(d), ...(evidence ? ["log lines around the first error:", evidence] : [])].join("\n");
}

function describeDiagnosis(d: Diagnosis, o: { command?: readonly string[] } = {}): string {
  const located = locatedFindings(d);
  const others = d.findings.filter((f) => !located.includes(f) && f.severity === "error" && !f.summary);
  const findings = [...located, ...others].slice(0, MAX_FINDINGS).map(findingLine);
  return [
    ...(o.command ? [`command: ${o.command.join(" ")}`] : []),
    `category: ${d.category}${d.tool ? ` (${d.tool})` : ""}`,
    `summary: ${clip(d.summary)}`,
    ...(findings.length > 0 ? ["findings:", ...findings] : []),
  ].join("\n");
}

function findingLine(f: Finding): string {
  const where = f.file ? `${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ""}` : ""} ` : "";
  const test = f.test && f.test !== f.message ? ` [test: ${clip(f.test)}]` : "";
  return `- ${where}${f.code ? `${f.code} ` : ""}${clip(f.message)}${test}`;
}

function evidenceText(d: Diagnosis): string {
  return (d.evidence?.lines ?? []).slice(0, MAX_EVIDENCE_LINES).map(clip).join("\n");
}

function clip(s: string): string {
  const one = s.replace(/[\r\n]+/g, " ");
  return one.length > MAX_LINE_CHARS ? `${one.slice(0, MAX_LINE_CHARS)}…` : one;
}
