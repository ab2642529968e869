import type { CompiledProblemMatcher, CompiledRegexMatcher, CompiledSentinel } from "../rules/rule-set.js";
import { stripRunnerColorCodes, type ProblemMatcherSet } from "../problem-matcher/index.js";
import type { CompiledPattern } from "../regex/compile-pattern.js";
import { anchoredPrefix, startsLike, type AnchoredPrefix } from "../regex/anchored-prefix.js";
import { ENVELOPE_LITERALS } from "./clean-line.js";
import { buildPrefilter, FLAG_ESCAPE, FLAG_MASK, FLAG_NEWLINE, skipEscape, type Prefilter } from "./prefilter.js";

/** Words that make a line worth showing when no rule explains a failure. */
const ERROR_LOOKING = [
  "error",
  "fail",
  "fatal",
  "exception",
  "panic",
  "traceback",
  "denied",
  "killed",
  "timed out",
  "abort",
];

type LiteralTarget =
  | { readonly kind: "regex"; readonly index: number }
  | { readonly kind: "problem"; readonly lookBack: number; readonly pattern: CompiledPattern }
  | { readonly kind: "error-looking" }
  | { readonly kind: "envelope" };

export interface MatchingPlan {
  readonly prefilter: Prefilter;
  readonly targets: ReadonlyArray<readonly LiteralTarget[]>;
  readonly regex: readonly CompiledRegexMatcher[];
  readonly alwaysRegex: readonly number[];
  /** Per regex (as `regex`), the text an anchored pattern's match starts with; null when none is known. */
  readonly anchors: ReadonlyArray<AnchoredPrefix | null>;
  /** Scratch for `candidatesFor`: regex `i` was taken for the current line when `seenRegex[i] === stamp.value`. */
  readonly seenRegex: Uint32Array;
  readonly stamp: { value: number };
  readonly problemMatchers: ReadonlyArray<CompiledSentinel["problemMatchers"][number]["definition"]>;
  readonly problemByOwner: ReadonlyMap<string, CompiledProblemMatcher>;
  /** Some rule has no literal at all: every line must be looked at. */
  readonly everyLine: boolean;
  /**
   * Problem matchers (by owner) with a later pattern that has no literal: while one of them holds a
   * partial match, the next line must be looked at whatever it contains.
   */
  readonly blindContinuations: ReadonlySet<string>;
  /** The most patterns any problem matcher has: how many lines one match can span without a literal. */
  readonly problemSpan: number;
}

/** What a line's literals say is worth trying on it. */
export interface LineCandidates {
  /** Indexes into `plan.regex`, in priority order. */
  readonly regex: readonly number[];
  readonly errorLooking: boolean;
  /** How many earlier lines the problem matchers must replay; -1 when none triggers. */
  readonly lookBack: number;
  /** The problem-matcher patterns whose literals the line holds. */
  readonly problemPatterns: readonly CompiledPattern[];
}

/**
 * Orders matchers (priority, then load order) and builds one prefilter over every literal any
 * rule needs, plus the CI envelope markers and the error-looking words.
 */
export function planMatching(sentinels: readonly CompiledSentinel[]): MatchingPlan {
  const regex = sentinels
    .flatMap((s) => s.regexMatchers)
    .map((m, loadOrder) => ({ m, loadOrder }))
    .sort((a, b) => b.m.priority - a.m.priority || a.loadOrder - b.loadOrder)
    .map(({ m }) => m);
  const literals: string[] = [];
  const targets: LiteralTarget[][] = [];
  const literalIndex = new Map<string, number>();
  const followUp: boolean[] = [];
  const add = (lit: string, target: LiteralTarget, onlyAfterSeenLine = false) => {
    let id = literalIndex.get(lit);
    if (id === undefined) {
      id = literals.length;
      literals.push(lit);
      targets.push([]);
      followUp.push(true);
      literalIndex.set(lit, id);
    }
    targets[id]!.push(target);
    followUp[id] &&= onlyAfterSeenLine;
  };
  const alwaysRegex: number[] = [];
  regex.forEach((m, index) => {
    if (m.literals) for (const lit of m.literals) add(lit, { kind: "regex", index });
    else alwaysRegex.push(index);
  });
  let everyLine = alwaysRegex.length > 0;
  const problemMatchers: MatchingPlan["problemMatchers"][number][] = [];
  const problemByOwner = new Map<string, CompiledProblemMatcher>();
  const blindContinuations = new Set<string>();
  for (const s of sentinels) {
    for (const pm of s.problemMatchers) {
      problemMatchers.push(pm.definition);
      problemByOwner.set(pm.definition.owner, pm);
      // Trigger on the pattern with the best literals; replay the lines before it on a hit.
      const best = bestTrigger(pm.literals);
      if (best < 0) everyLine = true;
      else
        for (const lit of pm.literals[best] as string[])
          add(lit, { kind: "problem", lookBack: best, pattern: pm.definition.patterns[best]!.regexp });
      // A later pattern can only continue a match the line before started: its literals count on
      // the line after a looked-at line; one without literals needs that next line forced.
      pm.literals.forEach((lits, i) => {
        if (i <= best) return;
        if (!lits) blindContinuations.add(pm.definition.owner);
        else
          for (const lit of lits)
            add(lit, { kind: "problem", lookBack: i, pattern: pm.definition.patterns[i]!.regexp }, true);
      });
    }
  }
  for (const lit of ENVELOPE_LITERALS) add(lit.toLowerCase(), { kind: "envelope" });
  for (const lit of ERROR_LOOKING) add(lit, { kind: "error-looking" });
  return {
    prefilter: buildPrefilter(literals, followUp),
    targets,
    regex,
    alwaysRegex,
    anchors: regex.map((m) => anchoredPrefix(m.pattern.source, m.pattern.ignoreCase)),
    seenRegex: new Uint32Array(regex.length),
    stamp: { value: 0 },
    problemMatchers,
    problemByOwner,
    everyLine,
    blindContinuations,
    problemSpan: Math.max(0, ...problemMatchers.map((d) => d.patterns.length)),
  };
}

/**
 * Whether a partial problem-matcher match needs the next line whatever its literals. Otherwise the
 * matchers only see lines with one of their literals: the lines between are replayed on a trigger.
 */
export function mustSeeNextLine(plan: MatchingPlan, problems: ProblemMatcherSet): boolean {
  if (plan.blindContinuations.size === 0 || !problems.inProgress) return false;
  return problems.inProgressOwners().some((owner) => plan.blindContinuations.has(owner));
}

/**
 * Reads the literals in `bytes[start, end)` against the plan; `text` is the cleaned line, against
 * which anchored patterns whose known start it lacks are dropped before they run.
 */
export function candidatesFor(
  plan: MatchingPlan,
  bytes: Buffer,
  start: number,
  end: number,
  text?: string,
): LineCandidates {
  const { delta, classOf, outputs, stride } = plan.prefilter;
  const seen = plan.seenRegex;
  const stamp = nextStamp(plan);
  const regex: number[] = [];
  const consider = (index: number) => {
    if (seen[index] === stamp) return;
    seen[index] = stamp;
    const anchor = plan.anchors[index];
    if (text === undefined || !anchor || startsLike(anchor, text)) regex.push(index);
  };
  for (const index of plan.alwaysRegex) consider(index);
  let errorLooking = false;
  let lookBack = -1;
  const problemPatterns: CompiledPattern[] = [];
  // The prefilter's walk (as literalsIn), without building the set of literals found.
  let s = 0;
  for (let i = start; i < end; i++) {
    const n = delta[s + classOf[bytes[i]!]!]!;
    const flag = n & FLAG_MASK;
    if (flag === FLAG_ESCAPE) {
      i = skipEscape(bytes, i, end);
      continue;
    }
    s = flag === FLAG_NEWLINE ? 0 : n & ~FLAG_MASK;
    const found = outputs[s / stride];
    if (!found) continue;
    for (const id of found) {
      for (const t of plan.targets[id] ?? []) {
        if (t.kind === "regex") consider(t.index);
        else if (t.kind === "error-looking") errorLooking = true;
        else if (t.kind === "problem") {
          lookBack = Math.max(lookBack, t.lookBack);
          if (!problemPatterns.includes(t.pattern)) problemPatterns.push(t.pattern);
        }
      }
    }
  }
  return { regex: regex.length > 1 ? regex.sort((a, b) => a - b) : regex, errorLooking, lookBack, problemPatterns };
}

/** A fresh mark for `seenRegex` (wrapping around clears it). */
function nextStamp(plan: MatchingPlan): number {
  const state = plan.stamp;
  if (++state.value === 0xffffffff) {
    plan.seenRegex.fill(0);
    state.value = 1;
  }
  return state.value;
}

function bestTrigger(perPattern: ReadonlyArray<readonly string[] | null>): number {
  let best = -1;
  let bestScore = -1;
  perPattern.forEach((lits, i) => {
    if (!lits) return;
    const score = Math.min(...lits.map((l) => l.length));
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return best;
}

/**
 * Whether a line with problem-matcher literals, no match being in progress, can start or complete
 * anything: one of the patterns whose literals it holds must match it. Otherwise feeding it (and
 * replaying the lines before it) would change nothing a later trigger's replay does not redo.
 */
export function triggersMatch(candidates: LineCandidates, text: string): boolean {
  if (candidates.problemPatterns.length === 0) return false;
  const stripped = stripRunnerColorCodes(text);
  return candidates.problemPatterns.some((p) => p.test(stripped));
}
