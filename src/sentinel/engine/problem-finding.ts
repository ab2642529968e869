import type { Finding } from "../model/types.js";
import type { ProblemMatch } from "../problem-matcher/index.js";
import { UNKNOWN_CONFIDENCE } from "../rules/confidence.js";
import type { CompiledProblemMatcher } from "../rules/rule-set.js";
import { severityOf, type LineContext } from "./build-finding.js";
import { normalizeFilePath } from "./normalize.js";

/** A finding from a problem matcher's match, described by the sentinel that declared the matcher. */
export function problemFinding(
  pm: ProblemMatch,
  ctx: LineContext,
  matcher: CompiledProblemMatcher | undefined,
  roots: readonly string[],
): Finding {
  // A multi-line match is reported on the line carrying its message; its first and last lines
  // let the diagnosis see which other findings read the same lines.
  const back = pm.span?.messageBack ?? 0;
  const startBack = pm.span?.startBack ?? 0;
  const classification = pm.severity === "warning" ? "Warning" : pm.severity === "notice" ? "Info" : "Error";
  // Assigned in the spread's key order, not spread from conditional objects: this runs for every
  // problem-matcher finding (thousands from a log's passing parts).
  const f: { -readonly [K in keyof Finding]: Finding[K] } = {
    ruleId: `problem-matcher.${pm.owner}`,
    sentinelId: matcher?.sentinelId ?? `problem-matcher.${pm.owner}`,
    tool: matcher?.meta.tool ?? pm.owner,
    classification,
    category: matcher?.meta.category ?? null,
    severity: severityOf(classification),
    confidence: matcher?.meta.confidence ?? UNKNOWN_CONFIDENCE,
    message: pm.message,
  } as Finding;
  if (pm.file) f.file = normalizeFilePath(pm.file, roots);
  if (pm.line !== undefined) f.line = pm.line;
  if (pm.column !== undefined) f.column = pm.column;
  if (pm.code) f.code = pm.code;
  f.logLine = ctx.lineNumber - back;
  if (startBack > 0) f.logLines = { first: ctx.lineNumber - startBack, last: ctx.lineNumber };
  if (ctx.step) f.step = ctx.step;
  const time = ctx.time;
  if (time !== undefined) f.time = time;
  return f;
}
