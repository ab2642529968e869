import type { Finding } from "../model/types.js";
import { severityOf, type LineContext } from "./build-finding.js";
import type { Annotation } from "./clean-line.js";
import { normalizeFilePath } from "./normalize.js";

const ANNOTATION_CONFIDENCE = 0.3;

/** A finding from a runner annotation (`::error file=…::`), for a line no rule took. */
export function annotationFinding(a: Annotation, ctx: LineContext, roots: readonly string[]): Finding {
  const classification = a.level === "error" ? "Error" : a.level === "warning" ? "Warning" : "Info";
  return {
    ruleId: "runner/annotation",
    sentinelId: "runner",
    tool: null,
    classification,
    category: null,
    severity: severityOf(classification),
    confidence: ANNOTATION_CONFIDENCE,
    message: ctx.text.trim(),
    ...(a.file ? { file: normalizeFilePath(a.file, roots) } : {}),
    ...(a.line === undefined ? {} : { line: a.line }),
    ...(a.column === undefined ? {} : { column: a.column }),
    logLine: ctx.lineNumber,
    ...(ctx.step ? { step: ctx.step } : {}),
    ...(ctx.time === undefined ? {} : { time: ctx.time }),
  };
}
