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
  return {
    ruleId: `problem-matcher.${pm.owner}`,
    sentinelId: matcher?.sentinelId ?? `problem-matcher.${pm.owner}`,
    tool: matcher?.meta.tool ?? pm.owner,
    classification,
    category: matcher?.meta.category ?? null,
    severity: severityOf(classification),
    confidence: matcher?.meta.confidence ?? UNKNOWN_CONFIDENCE,
    message: pm.message,
    ...(pm.file ? { file: normalizeFilePath(pm.file, roots) } : {}),
    ...(pm.line === undefined ? {} : { line: pm.line }),
    ...(pm.column === undefined ? {} : { column: pm.column }),
    ...(pm.code ? { code: pm.code } : {}),
    logLine: ctx.lineNumber - back,
    ...(startBack > 0 ? { logLines: { first: ctx.lineNumber - startBack, last: ctx.lineNumber } } : {}),
    ...(ctx.step ? { step: ctx.step } : {}),
    ...(ctx.time === undefined ? {} : { time: ctx.time }),
  };
}
