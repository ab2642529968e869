import type { PatternMatch } from "../regex/compile-pattern.js";
import type { ProblemMatcherDefinition, ProblemPattern, RawProblemMatch } from "./types.js";

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

  constructor(definition: ProblemMatcherDefinition) {
    this.definition = definition;
    this.#state = emptyState(definition);
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
    // In place: a set resets every other matcher whenever one matches.
    this.#state.fill(null);
    this.#looping = false;
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
          }
          const fields = fieldsOf(running, pattern, groups, this.definition.severity);
          return { ...this.#result(line, fields), span: spanOf(patterns, repeat) };
        }
        this.#state[i] = fieldsOf(running, pattern, groups, undefined);
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

  #result(sourceLine: string, fields: Fields): RawProblemMatch {
    return { owner: this.definition.owner, sourceLine, ...fields };
  }
}

/**
 * The last pattern matched the completing line and pattern k the line (n-1-k) before it; the
 * message line is that of the first pattern mapping `message` (a running value wins, as in
 * fieldsOf). A loop repeat begins on its own line.
 */
function spanOf(patterns: readonly ProblemPattern[], repeat: boolean): { startBack: number; messageBack: number } {
  const n = patterns.length;
  const startBack = repeat ? 0 : n - 1;
  const k = patterns.findIndex((p) => p.message !== undefined);
  return { startBack, messageBack: k < 0 ? startBack : Math.min(n - 1 - k, startBack) };
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
  const pick = (index: number | undefined): string | undefined => groupValue(pattern, groups, index);
  // Only the fields that have a value, in this order (this runs on every line a pattern matches).
  const fields: Record<string, string> = {};
  const set = (key: keyof Fields, value: string | undefined) => {
    if (value !== undefined) fields[key] = value;
  };
  set("file", running?.file ?? pick(pattern.file));
  set("line", running?.line ?? pick(pattern.line));
  set("column", running?.column ?? pick(pattern.column));
  const severity = running?.severity ?? pick(pattern.severity);
  set("severity", (severity === undefined || severity === "") && defaultSeverity ? defaultSeverity : severity);
  set("code", running?.code ?? pick(pattern.code));
  set("message", running?.message ?? pick(pattern.message));
  set("fromPath", running?.fromPath ?? pick(pattern.fromPath));
  return fields as Fields;
}

/** GetValue: a mapped group that did not participate reads as "" (.NET Group.Value), an unmapped one as null. */
function groupValue(pattern: ProblemPattern, groups: PatternMatch, index: number | undefined): string | undefined {
  if (index === undefined || index < 0 || index > pattern.regexp.groupCount) return undefined;
  const re2Index = pattern.groupNumbers ? (pattern.groupNumbers[index] as number) : index;
  return groups.groups[re2Index] ?? "";
}
