import type { PatternMatch } from "../regex/compile-pattern.js";
import type { Category, Classification, Finding, Severity, StepRef } from "../model/types.js";
import type { CompiledRegexMatcher } from "../rules/rule-set.js";
import { normalizeFilePath } from "./normalize.js";

export interface LineContext {
  readonly text: string;
  readonly lineNumber: number;
  readonly step?: StepRef;
  readonly time?: number;
}

const MAX_MESSAGE = 2000;

const SEVERITY_WORDS: Record<string, Classification> = {
  error: "Error",
  err: "Error",
  fatal: "Error",
  failure: "Error",
  failed: "Error",
  fail: "Error",
  critical: "Error",
  warning: "Warning",
  warn: "Warning",
  notice: "Info",
  note: "Info",
  info: "Info",
  information: "Info",
  hint: "Info",
  help: "Info",
};

export function severityOf(classification: Classification): Severity {
  if (classification === "Error" || classification === "Security" || classification === "Anomaly") return "error";
  if (classification === "Warning" || classification === "ActionItem") return "warning";
  return "notice";
}

/** Fills `{name}` placeholders from named groups (unknown names become empty). */
export function fillTemplate(template: string, values: Readonly<Record<string, string | undefined>>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => values[name] ?? "");
}

/** `lastLine`: for a finding completed by later lines (`then`), the last line that added to it. */
export function buildFinding(
  m: CompiledRegexMatcher,
  match: PatternMatch,
  ctx: LineContext,
  workspaceRoots: readonly string[],
  lastLine?: number,
): Finding {
  const g = match.named;
  const values: Record<string, string | undefined> = { ...g, line_text: ctx.text };
  let classification = m.classification;
  const severityWord = g.severity?.trim().toLowerCase();
  if (severityWord && SEVERITY_WORDS[severityWord]) classification = SEVERITY_WORDS[severityWord] as Classification;
  let category: Category | null = m.category;
  let message = g.message?.trim() || (m.message ? fillTemplate(m.message, values).trim() : ctx.text.trim());
  let code = g.code?.trim() || undefined;
  let file = g.file?.trim() || undefined;
  const t = m.action === "transform" ? m.transform : undefined;
  if (t) {
    if (t.message !== undefined) message = fillTemplate(t.message, values);
    if (t.code !== undefined) code = fillTemplate(t.code, values) || undefined;
    if (t.file !== undefined) file = fillTemplate(t.file, values) || undefined;
    if (t.stripFilePrefix && file?.startsWith(t.stripFilePrefix)) file = file.slice(t.stripFilePrefix.length);
    if (t.classification) classification = t.classification;
    if (t.category) category = t.category;
  }
  const line = positiveInt(g.line);
  const column = positiveInt(g.column);
  const test = g.test?.trim() || undefined;
  return {
    ruleId: m.ruleId,
    sentinelId: m.sentinelId,
    tool: m.tool,
    classification,
    category,
    severity: severityOf(classification),
    confidence: m.confidence,
    message: message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) + "…" : message,
    ...(file ? { file: normalizeFilePath(file, workspaceRoots) } : {}),
    ...(line === undefined ? {} : { line }),
    ...(column === undefined ? {} : { column }),
    ...(code ? { code } : {}),
    ...(test ? { test } : {}),
    ...(m.summary ? { summary: true as const } : {}),
    logLine: ctx.lineNumber,
    ...(lastLine !== undefined && lastLine > ctx.lineNumber
      ? { logLines: { first: ctx.lineNumber, last: lastLine } }
      : {}),
    ...(ctx.step ? { step: ctx.step } : {}),
    ...(ctx.time === undefined ? {} : { time: ctx.time }),
  };
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
