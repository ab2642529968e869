import type { PatternMatch } from "../regex/compile-pattern.js";
import type { ProblemMatcherDefinition, ProblemPattern, ProblemSpan, RawProblemMatch } from "./types.js";

type Fields = Omit<RawProblemMatch, "owner" | "sourceLine" | "span">;

/**
 * One registered matcher and its multi-line progress: a port of the runner's IssueMatcher.
 *
 * `state[i]` holds what patterns 0..i gathered from consecutive lines. Each line walks the
 * patterns from last to first, so it can advance a running match by at most one pattern. The last
 * pattern completing a match clears all state; with `loop` it keeps the lines before it, so every
 * further line matching the last pattern yields another match until a line does not.
 */
export class ProblemMatcherState {
  readonly definition: ProblemMatcherDefinition;
  #state: Array<Fields | null>;
  /** The last pattern is repeating (`loop`): the current match begins on its own line. */
  #looping = false;
  /** Something was kept since the last reset (a set resets every other matcher on each match). */
  #dirty = false;
  /** The first pattern that maps `message` (-1: none), for a match's span. */
  readonly #messageAt: number;

  constructor(definition: ProblemMatcherDefinition) {
    this.definition = definition;
    this.#state = emptyState(definition);
    this.#messageAt = definition.patterns.findIndex((p) => p.message !== undefined);
  }

  get owner(): string {
    return this.definition.owner;
  }

  /** True while earlier patterns of a multi-line matcher have matched and wait for the next line. */
  get inProgress(): boolean {
    for (const entry of this.#state) if (entry !== null) return true;
    return false;
  }

  reset(): void {
    if (!this.#dirty) return;
    // In place: a set resets every other matcher whenever one matches.
    this.#state.fill(null);
    this.#looping = false;
    this.#dirty = false;
  }

  match(line: string): RawProblemMatch | null {
    const patterns = this.definition.patterns;
    if (patterns.length === 1) {
      const pattern = patterns[0] as ProblemPattern;
      const groups = pattern.regexp.exec(line);
      return groups ? this.#result(line, fieldsOf(null, pattern, groups, this.definition.severity)) : null;
    }

    for (let i = patterns.length - 1; i >= 0; i--) {
      const running = i > 0 ? (this.#state[i - 1] ?? null) : null;
      if (i > 0 && running === null) continue;
      const pattern = patterns[i] as ProblemPattern;
      const isLast = i === patterns.length - 1;
      const groups = pattern.regexp.exec(line);
      if (groups) {
        if (isLast) {
          const repeat = this.#looping;
          this.reset();
          if (pattern.loop) {
            this.#state[i - 1] = running;
            this.#looping = true;
            this.#dirty = true;
          }
          const fields = fieldsOf(running, pattern, groups, this.definition.severity);
          return this.#result(line, fields, spanOf(patterns.length, this.#messageAt, repeat));
        }
        this.#state[i] = fieldsOf(running, pattern, groups, undefined);
        this.#dirty = true;
      } else if (isLast) {
        // The running match is broken; the earlier patterns still see this line below.
        this.#state[i - 1] = null;
        this.#looping = false;
      } else {
        this.#state[i] = null;
      }
    }
    return null;
  }

  #result(sourceLine: string, fields: Fields, span?: ProblemSpan): RawProblemMatch {
    // Named stores in the order a spread of `fields` gave, not a spread: a spread of objects of
    // varying shape was a fifth of matching a line the problem matchers are fed.
    const r: Mutable<RawProblemMatch> = { owner: this.definition.owner, sourceLine };
    if (fields.file !== undefined) r.file = fields.file;
    if (fields.line !== undefined) r.line = fields.line;
    if (fields.column !== undefined) r.column = fields.column;
    if (fields.severity !== undefined) r.severity = fields.severity;
    if (fields.code !== undefined) r.code = fields.code;
    if (fields.message !== undefined) r.message = fields.message;
    if (fields.fromPath !== undefined) r.fromPath = fields.fromPath;
    if (span) r.span = span;
    return r;
  }
}

/**
 * The last pattern matched the completing line and pattern k the line (n-1-k) before it; the
 * message line is that of the first pattern mapping `message` (a running value wins, as in
 * fieldsOf), `messageAt` here. A loop repeat begins on its own line.
 */
function spanOf(patterns: number, messageAt: number, repeat: boolean): ProblemSpan {
  const startBack = repeat ? 0 : patterns - 1;
  return { startBack, messageBack: messageAt < 0 ? startBack : Math.min(patterns - 1 - messageAt, startBack) };
}

function emptyState(definition: ProblemMatcherDefinition): Array<Fields | null> {
  return new Array<Fields | null>(Math.max(definition.patterns.length - 1, 0)).fill(null);
}

/** IssueMatch's constructor: a running match's values win (`??`), then the default severity fills an empty one. */
function fieldsOf(
  running: Fields | null,
  pattern: ProblemPattern,
  groups: PatternMatch,
  defaultSeverity: string | undefined,
): Fields {
  // Only the fields that have a value, in this order, each set by name: this runs on every line
  // a pattern matches, and named stores in one order keep one object shape.
  const fields: Mutable<Fields> = {};
  const file = running?.file ?? groupValue(pattern, groups, pattern.file);
  if (file !== undefined) fields.file = file;
  const line = running?.line ?? groupValue(pattern, groups, pattern.line);
  if (line !== undefined) fields.line = line;
  const column = running?.column ?? groupValue(pattern, groups, pattern.column);
  if (column !== undefined) fields.column = column;
  const read = running?.severity ?? groupValue(pattern, groups, pattern.severity);
  const severity = (read === undefined || read === "") && defaultSeverity ? defaultSeverity : read;
  if (severity !== undefined) fields.severity = severity;
  const code = running?.code ?? groupValue(pattern, groups, pattern.code);
  if (code !== undefined) fields.code = code;
  const message = running?.message ?? groupValue(pattern, groups, pattern.message);
  if (message !== undefined) fields.message = message;
  const fromPath = running?.fromPath ?? groupValue(pattern, groups, pattern.fromPath);
  if (fromPath !== undefined) fields.fromPath = fromPath;
  return fields;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** GetValue: a mapped group that did not participate reads as "" (.NET Group.Value), an unmapped one as null. */
function groupValue(pattern: ProblemPattern, groups: PatternMatch, index: number | undefined): string | undefined {
  if (index === undefined || index < 0 || index > pattern.regexp.groupCount) return undefined;
  const re2Index = pattern.groupNumbers ? (pattern.groupNumbers[index] as number) : index;
  return groups.groups[re2Index] ?? "";
}
