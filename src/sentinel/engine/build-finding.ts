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
  const t = m.action === "transform" ? m.transform : undefined;
  // The template values, only when a template reads them (most rules name their groups instead).
  const values: Record<string, string | undefined> =
    t || (m.message && !g.message?.trim()) ? { ...g, line_text: ctx.text } : g;
  let classification = m.classification;
  const severityWord = g.severity?.trim().toLowerCase();
  if (severityWord && SEVERITY_WORDS[severityWord]) classification = SEVERITY_WORDS[severityWord] as Classification;
  let category: Category | null = m.category;
  let message = g.message?.trim() || (m.message ? fillTemplate(m.message, values).trim() : ctx.text.trim());
  let code = g.code?.trim() || undefined;
  let file = g.file?.trim() || undefined;
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
  // Assigned, not spread from conditional objects: this runs for every finding, and a log's
  // passing parts can hold tens of thousands of warnings. (The key order is the same.)
  const f: { -readonly [K in keyof Finding]: Finding[K] } = {
    ruleId: m.ruleId,
    sentinelId: m.sentinelId,
    tool: m.tool,
    classification,
    category,
    severity: severityOf(classification),
    confidence: m.confidence,
    message: message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) + "…" : message,
  } as Finding;
  if (file) f.file = normalizeFilePath(file, workspaceRoots);
  if (line !== undefined) f.line = line;
  if (column !== undefined) f.column = column;
  if (code) f.code = code;
  if (test) f.test = test;
  if (m.summary) f.summary = true;
  f.logLine = ctx.lineNumber;
  if (lastLine !== undefined && lastLine > ctx.lineNumber) f.logLines = { first: ctx.lineNumber, last: lastLine };
  if (ctx.step) f.step = ctx.step;
  const time = ctx.time;
  if (time !== undefined) f.time = time;
  return f;
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
