import type { Finding } from "../model/types.js";
import { FAILING_CLASSIFICATIONS } from "../model/types.js";

/** A finding with the text of its first line, as the builder keeps it. */
export interface Kept {
  readonly finding: Finding;
  readonly text: string;
}

/** One diagnostic: the findings that describe the same error, merged. */
export interface Merged {
  readonly finding: Finding;
  readonly text: string;
  /** The kept findings it was merged from. */
  readonly members: readonly Kept[];
}

/** Below this a finding says "something failed" but not what. */
export const SPECIFIC_CONFIDENCE = 0.5;

/**
 * Turns the findings of a log into one finding per diagnostic. Two error or warning findings
 * (summaries aside) are the same diagnostic when
 * - the log lines they were read from overlap (one line matched by two rules: rustc's matcher
 *   and the clippy rule; a problem matcher's lines and a rule on one of them; a block's lines),
 * - or they name the same test (`FAILED tests::a` and `thread 'tests::a' panicked at …`); a name
 *   that ends another at a separator (`multiplies` and `multiply > multiplies`) is the same;
 * - or they are the same diagnostic printed twice: the same file, line, column, severity and
 *   message (and test, when they name one), as Maven and MSBuild repeat compiler errors in a recap.
 * The merged finding keeps the most confident member's rule and category (among equals, one with
 * a file:line), its message followed by what other members add (`thread 'a' panicked — assertion
 * failed`), the first line any member starts on, and the first file:line any member has. An error without a location takes one from a context line of the same sentinel right
 * next to it (an Info finding with a file and line, such as go test's `calc_test.go:7: …`).
 * Everything else (summaries, Info, Success) passes through unchanged. Output is in log order.
 */
export function mergeFindings(kept: readonly Kept[]): Merged[] {
  const groupable = kept.filter((k) => isGroupable(k.finding));
  const parent = groupable.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i] as number] as number;
    return i;
  };
  const union = (a: number, b: number): void => {
    parent[find(a)] = find(b);
  };

  // Overlapping log lines: sweep the spans in order of their first line.
  const bySpan = groupable.map((k, i) => ({ i, ...span(k.finding) })).sort((a, b) => a.first - b.first);
  let open: { i: number; last: number } | null = null;
  for (const s of bySpan) {
    if (open && s.first <= open.last) {
      union(s.i, open.i);
      open.last = Math.max(open.last, s.last);
    } else open = { i: s.i, last: s.last };
  }

  // The same test.
  const named = groupable.map((k, i) => ({ i, test: k.finding.test })).filter((n) => n.test !== undefined);
  for (let a = 0; a < named.length; a++)
    for (let b = a + 1; b < named.length; b++) {
      const x = named[a] as { i: number; test: string };
      const y = named[b] as { i: number; test: string };
      if (sameTest(x.test, y.test)) union(x.i, y.i);
    }

  // The same diagnostic printed again (Maven's and MSBuild's recap of the compiler errors).
  const printed = new Map<string, number>();
  groupable.forEach((k, i) => {
    const key = reprintKey(k.finding);
    if (key === null) return;
    const seen = printed.get(key);
    if (seen === undefined) printed.set(key, i);
    else union(i, seen);
  });

  const groups = new Map<number, Kept[]>();
  groupable.forEach((k, i) => {
    const root = find(i);
    const list = groups.get(root) ?? [];
    list.push(k);
    groups.set(root, list);
  });

  const context = kept.filter((k) => isContextLine(k.finding));
  const donated = new Set<Kept>();
  const merged: Merged[] = [...groups.values()].map((members) => mergeGroup(members, context, donated));
  const rest: Merged[] = kept
    .filter((k) => !isGroupable(k.finding))
    .map((k) => ({ finding: k.finding, text: k.text, members: [k] }));
  // Log order; on one line, the order the findings were reported in.
  const order = new Map(kept.map((k, i) => [k, i]));
  const at = (m: Merged): number => Math.min(...m.members.map((k) => order.get(k) ?? 0));
  return [...merged, ...rest].sort((a, b) => a.finding.logLine - b.finding.logLine || at(a) - at(b));
}

/** Errors and warnings a tool printed; a stateful matcher's Anomaly is about many findings, not one. */
function isGroupable(f: Finding): boolean {
  return !f.summary && GROUPABLE.has(f.classification);
}

const GROUPABLE: ReadonlySet<Finding["classification"]> = new Set(["Error", "Security", "Warning"]);

function isContextLine(f: Finding): boolean {
  return f.severity === "notice" && f.file !== undefined && f.line !== undefined;
}

function span(f: Finding): { first: number; last: number } {
  return {
    first: Math.min(f.logLine, f.logLines?.first ?? f.logLine),
    last: Math.max(f.logLine, f.logLines?.last ?? f.logLine),
  };
}

/** What makes a located diagnostic the same one when printed again; null without a file:line. */
function reprintKey(f: Finding): string | null {
  if (f.file === undefined || f.line === undefined) return null;
  return JSON.stringify([f.file, f.line, f.column ?? null, f.severity, f.message, f.test ?? null]);
}

const TEST_SEPARATORS = [" > ", " › ", "::", ".", "/", " "];

function sameTest(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (!long.endsWith(short)) return false;
  const before = long.slice(0, long.length - short.length);
  return TEST_SEPARATORS.some((sep) => before.endsWith(sep));
}

/** Orders members by how well they describe the error: specific, then confident, then located, then early. */
export function rankOf(f: Finding): number {
  const specific = !f.summary && f.confidence >= SPECIFIC_CONFIDENCE ? 1 : 0;
  return specific * 10 + f.confidence;
}

function better(a: Finding, b: Finding): boolean {
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra > rb;
  const la = a.file !== undefined && a.line !== undefined;
  const lb = b.file !== undefined && b.line !== undefined;
  if (la !== lb) return la;
  return a.logLine < b.logLine;
}

function mergeGroup(members: Kept[], context: readonly Kept[], donated: Set<Kept>): Merged {
  const sorted = [...members].sort((a, b) => a.finding.logLine - b.finding.logLine);
  const first = sorted[0] as Kept;
  if (sorted.length === 1 && (first.finding.file === undefined || first.finding.line !== undefined))
    return { ...withContextLocation(first, context, donated), members };
  let base = first.finding;
  for (const k of sorted) if (better(k.finding, base)) base = k.finding;
  const located =
    sorted.find((k) => k.finding.file !== undefined && k.finding.line !== undefined) ??
    sorted.find((k) => k.finding.file !== undefined);
  const failing = sorted.find((k) => FAILING_CLASSIFICATIONS.has(k.finding.classification));
  const spans = sorted.map((k) => span(k.finding));
  const lo = Math.min(...spans.map((s) => s.first));
  const hi = Math.max(...spans.map((s) => s.last));
  const { file: _f, line: _l, column: _c, logLines: _s, step: _st, time: _t, ...rest } = base;
  const loc = located?.finding;
  const code = base.code ?? sorted.find((k) => k.finding.code)?.finding.code;
  const test = base.test ?? sorted.find((k) => k.finding.test)?.finding.test;
  const finding: Finding = {
    ...rest,
    message: mergedMessage(base, sorted),
    ...(failing && !FAILING_CLASSIFICATIONS.has(base.classification)
      ? { classification: failing.finding.classification, severity: failing.finding.severity }
      : {}),
    confidence: Math.max(...sorted.map((k) => k.finding.confidence)),
    ...(loc?.file !== undefined ? { file: loc.file } : {}),
    ...(loc?.line !== undefined ? { line: loc.line } : {}),
    ...(loc?.column !== undefined ? { column: loc.column } : {}),
    ...(code ? { code } : {}),
    ...(test ? { test } : {}),
    logLine: first.finding.logLine,
    ...(hi > lo ? { logLines: { first: lo, last: hi } } : {}),
    ...(first.finding.step ? { step: first.finding.step } : {}),
    ...(first.finding.time === undefined ? {} : { time: first.finding.time }),
  };
  return { ...withContextLocation({ finding, text: first.text }, context, donated), members };
}

const MAX_MESSAGE_PARTS = 3;
const MAX_MESSAGE = 2000;

/** The base's message, then the other members' messages that say something it does not. */
function mergedMessage(base: Finding, members: readonly Kept[]): string {
  const parts = [base.message];
  for (const k of members) {
    const m = k.finding.message;
    if (parts.length >= MAX_MESSAGE_PARTS) break;
    if (parts.some((p) => p.includes(m))) continue;
    // A fuller wording of a part replaces it (`ModuleNotFoundError: No module named 'x'`); a
    // different message is added when the member is sure enough to have something to say.
    const shorter = parts.findIndex((p) => m.includes(p));
    if (shorter >= 0) parts[shorter] = m;
    else if (k.finding.confidence >= SPECIFIC_CONFIDENCE) parts.push(m);
  }
  const text = parts.join(" — ");
  return text.length > MAX_MESSAGE ? text.slice(0, MAX_MESSAGE) + "…" : text;
}

/** An error with no file:line takes the location of an unused context line of its sentinel next to it. */
function withContextLocation(k: Kept, context: readonly Kept[], donated: Set<Kept>): Kept {
  const f = k.finding;
  if (f.line !== undefined || f.severity !== "error") return k;
  const { first, last } = span(f);
  const near = context.find(
    (c) =>
      !donated.has(c) &&
      c.finding.sentinelId === f.sentinelId &&
      c.finding.logLine >= first - 1 &&
      c.finding.logLine <= last + 1 &&
      (f.file === undefined || c.finding.file === f.file),
  );
  if (!near) return k;
  donated.add(near);
  const c = near.finding;
  return {
    text: k.text,
    finding: {
      ...f,
      file: c.file as string,
      line: c.line as number,
      ...(c.column === undefined ? {} : { column: c.column }),
    },
  };
}
