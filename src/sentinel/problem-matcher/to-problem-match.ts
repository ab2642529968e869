import {
  equalsOrdinalIgnoreCase,
  isNullOrEmpty,
  isNullOrWhiteSpace,
  parseInt32Digits,
  trimDotnet,
} from "./dotnet-text.js";
import type { ProblemMatch, ProblemSeverity, RawProblemMatch } from "./types.js";

export type DebugLog = (message: string) => void;

/**
 * The runner's OutputManager.ConvertToIssue, minus rooting the file (see resolveMatchPath):
 * returns null where the runner logs no annotation. Messages passed to `debug` are the runner's
 * own `##[debug]` texts.
 */
export function toProblemMatch(raw: RawProblemMatch, debug: DebugLog = () => {}): ProblemMatch | null {
  if (isNullOrWhiteSpace(raw.message)) {
    debug("Skipping logging an issue for the matched line because the message is empty.");
    return null;
  }
  const severity = normaliseSeverity(raw.severity);
  if (severity === undefined) {
    debug(
      `Skipped logging an issue for the matched line because the severity '${raw.severity ?? ""}' is not supported.`,
    );
    return null;
  }
  const line = parseNumber(raw.line, "line", debug);
  const column = parseNumber(raw.column, "column", debug);
  // Assigned, not spread: conditional spreads cost a few microseconds a match.
  const match: Mutable<ProblemMatch> = { owner: raw.owner, sourceLine: raw.sourceLine, message: "", severity };
  if (raw.span) match.span = raw.span;
  match.message = raw.message as string;
  if (line !== undefined) match.line = line;
  if (column !== undefined) match.column = column;
  if (!isNullOrWhiteSpace(raw.code)) match.code = trimDotnet(raw.code as string);
  if (!isNullOrWhiteSpace(raw.file)) match.file = raw.file as string;
  if (!isNullOrWhiteSpace(raw.fromPath)) match.fromPath = raw.fromPath as string;
  return match;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Empty means error; other values are compared ignoring case; anything else is not annotated. */
export function normaliseSeverity(severity: string | undefined): ProblemSeverity | undefined {
  if (isNullOrEmpty(severity)) return "error";
  for (const known of ["error", "warning", "notice"] as const) {
    if (equalsOrdinalIgnoreCase(severity as string, known)) return known;
  }
  return undefined;
}

function parseNumber(value: string | undefined, name: "line" | "column", debug: DebugLog): number | undefined {
  if (isNullOrEmpty(value)) return undefined;
  const parsed = parseInt32Digits(value as string);
  if (parsed === undefined) debug(`Unable to parse ${name} number '${value}'`);
  return parsed;
}
