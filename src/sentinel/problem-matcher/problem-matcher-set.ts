import { ordinalIgnoreCaseKey } from "./dotnet-text.js";
import { ProblemMatcherState } from "./problem-matcher-state.js";
import { stripRunnerColorCodes } from "./strip-runner-color-codes.js";
import { toProblemMatch, type DebugLog } from "./to-problem-match.js";
import type { ProblemMatch, ProblemMatcherDefinition } from "./types.js";

export interface ProblemMatcherSetOptions {
  /** Receives the runner's `##[debug]` texts for matches it would not annotate. */
  debug?: DebugLog;
}

/**
 * The matchers active for one step, with the runner's OutputManager rules:
 *
 * - matchers run in list order, most recently added first;
 * - the first matcher whose match becomes an annotation wins the line; later ones never see it;
 * - any matcher that returns a match resets every other matcher's multi-line progress, even when
 *   its match is then dropped (empty message, unsupported severity) and the line goes on to the
 *   remaining matchers;
 * - adding a matcher whose owner (case-insensitive) is registered replaces it.
 *
 * Command lines (`::…::`, `##[…]`) never reach the runner's matchers; callers filter them out.
 * The runner's regex timeout (eject a matcher after three timeouts on one line) has no
 * counterpart: RE2 runs in linear time.
 */
export class ProblemMatcherSet {
  #matchers: ProblemMatcherState[] = [];
  readonly #debug: DebugLog;
  /**
   * Whether some matcher holds a partial match, kept up to date by everything that changes one
   * (match, reset, add, remove): the classifier asks on every line it looks at, several times.
   */
  #inProgress = false;

  /** `definitions` in evaluation order, as a step starts with the job's registered matchers. */
  constructor(definitions: readonly ProblemMatcherDefinition[] = [], options: ProblemMatcherSetOptions = {}) {
    this.#debug = options.debug ?? (() => {});
    this.add(definitions);
  }

  /** Owners in evaluation order. */
  get owners(): string[] {
    return this.#matchers.map((matcher) => matcher.owner);
  }

  get size(): number {
    return this.#matchers.length;
  }

  /** Whether a matcher of one of these owners holds a partial match (asked on every line fed). */
  inProgressAmong(owners: ReadonlySet<string>): boolean {
    if (!this.#inProgress) return false;
    for (const matcher of this.#matchers) if (owners.has(matcher.owner) && matcher.inProgress) return true;
    return false;
  }

  /** True while any matcher holds a partial multi-line match. */
  get inProgress(): boolean {
    return this.#inProgress;
  }

  #updateInProgress(): void {
    this.#inProgress = false;
    for (const matcher of this.#matchers) {
      if (matcher.inProgress) {
        this.#inProgress = true;
        return;
      }
    }
  }

  /**
   * `::add-matcher::` for later steps (ExecutionContext.AddMatchers): the file's matchers go in
   * front in file order and replace same-owner ones. Within the step that issues the command the
   * runner prepends them one at a time, reversing the file order; to model that step, add each
   * definition in its own call.
   */
  add(definitions: ProblemMatcherDefinition | readonly ProblemMatcherDefinition[]): void {
    const incoming = (Array.isArray(definitions) ? definitions : [definitions]) as readonly ProblemMatcherDefinition[];
    const keys = incoming.map((definition) => ordinalIgnoreCaseKey(definition.owner));
    // Within one call a repeated owner keeps its last definition.
    const added = incoming
      .filter((_, i) => keys.lastIndexOf(keys[i] as string) === i)
      .map((d) => new ProblemMatcherState(d));
    const replaced = new Set(keys);
    this.#matchers = [
      ...added,
      ...this.#matchers.filter((matcher) => !replaced.has(ordinalIgnoreCaseKey(matcher.owner))),
    ];
    this.#updateInProgress();
  }

  /** `::remove-matcher owner=…::` (owners compared ignoring case). Returns whether any was removed. */
  remove(owners: string | readonly string[]): boolean {
    const keys = new Set((typeof owners === "string" ? [owners] : owners).map(ordinalIgnoreCaseKey));
    const before = this.#matchers.length;
    this.#matchers = this.#matchers.filter((matcher) => !keys.has(ordinalIgnoreCaseKey(matcher.owner)));
    this.#updateInProgress();
    return this.#matchers.length !== before;
  }

  reset(): void {
    // Nothing to clear: the classifier resets on every trigger it replays lines for.
    if (!this.#inProgress) return;
    for (const matcher of this.#matchers) matcher.reset();
    this.#inProgress = false;
  }

  /**
   * Feeds one output line (without its line terminator) to the matchers; returns the annotation
   * the runner would log for it, or null when the line would be logged as plain output.
   */
  match(line: string): ProblemMatch | null {
    const problem = this.#match(line);
    this.#updateInProgress();
    return problem;
  }

  #match(line: string): ProblemMatch | null {
    const matchers = this.#matchers;
    if (matchers.length === 0) return null;
    const stripped = stripRunnerColorCodes(line);
    for (const matcher of matchers) {
      const raw = matcher.match(stripped);
      if (raw === null) continue;
      for (const other of matchers) if (other !== matcher) other.reset();
      const problem = toProblemMatch(raw, this.#debug);
      if (problem !== null) return problem;
    }
    return null;
  }
}
