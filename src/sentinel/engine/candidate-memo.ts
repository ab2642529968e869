import type { CompiledPattern } from "../regex/compile-pattern.js";
import type { LineLiterals } from "./line-literals.js";

/** What `candidatesFor` makes of one set of literals (before the line's start is checked). */
export interface CandidateAnswer {
  readonly regex: readonly number[];
  readonly problemPatterns: readonly CompiledPattern[];
  readonly problemLookBacks: readonly number[];
  readonly errorLooking: boolean;
  readonly envelope: boolean;
  readonly lookBack: number;
  readonly problemLiteral: boolean;
}

interface Entry extends CandidateAnswer {
  /** The literal ids of the set, for telling two sets with one hash apart. */
  readonly ids: Int32Array;
  readonly sound: boolean;
}

/**
 * More sets than a log is likely to show (the bench's 100 MB show 362): past it the memo starts
 * over rather than grow with a hostile log that makes a new set on every line.
 */
const MAX_ENTRIES = 4096;

/**
 * `candidatesFor`'s answers by the set of literals a line holds. The answer depends on that set
 * alone (and on whether the raw bytes could be trusted), and lines repeat sets far more than they
 * repeat text: a line with `error` and `: ` asks the same of the rules as the next such line.
 * Looking the set up costs a pass over its few ids; working the answer out walks every rule each
 * literal points at and checks its other required literals.
 */
export class CandidateMemo {
  private readonly entries = new Map<number, Entry>();

  find(line: LineLiterals, sound: boolean): CandidateAnswer | undefined {
    const entry = this.entries.get(hashOf(line, sound));
    if (!entry || entry.sound !== sound || entry.ids.length !== line.count) return undefined;
    // The line's ids are distinct, as are the entry's: equal counts and every entry id present
    // make the sets equal.
    for (const id of entry.ids) if (!line.has(id)) return undefined;
    return entry;
  }

  /** Keeps a copy of `answer` (the caller's lists stay the caller's) and returns it. */
  keep(line: LineLiterals, sound: boolean, answer: CandidateAnswer): CandidateAnswer {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const entry: Entry = {
      ids: Int32Array.from(line.found),
      sound,
      regex: answer.regex.slice(),
      problemPatterns: answer.problemPatterns.slice(),
      problemLookBacks: answer.problemLookBacks.slice(),
      errorLooking: answer.errorLooking,
      envelope: answer.envelope,
      lookBack: answer.lookBack,
      problemLiteral: answer.problemLiteral,
    };
    // (A colliding set replaces the one before: the memo holds answers, not every set seen.)
    this.entries.set(hashOf(line, sound), entry);
    return entry;
  }
}

/** A hash of the set (not the order) of the line's literal ids. */
function hashOf(line: LineLiterals, sound: boolean): number {
  const { ids, count } = line;
  let h = count + (sound ? 0x40000000 : 0);
  for (let i = 0; i < count; i++) h = (h + Math.imul(ids[i]! + 1, 0x9e3779b1)) | 0;
  return Math.imul(h ^ (h >>> 15), 0x85ebca6b) | 0;
}
