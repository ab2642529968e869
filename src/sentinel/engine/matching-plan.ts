import type { CompiledProblemMatcher, CompiledRegexMatcher, CompiledSentinel } from "../rules/rule-set.js";
import { ENVELOPE_LITERALS } from "./clean-line.js";
import { buildPrefilter, literalsIn, type Prefilter } from "./prefilter.js";

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
  | { readonly kind: "problem"; readonly lookBack: number }
  | { readonly kind: "error-looking" }
  | { readonly kind: "envelope" };

export interface MatchingPlan {
  readonly prefilter: Prefilter;
  readonly targets: ReadonlyArray<readonly LiteralTarget[]>;
  readonly regex: readonly CompiledRegexMatcher[];
  readonly alwaysRegex: readonly number[];
  readonly problemMatchers: ReadonlyArray<CompiledSentinel["problemMatchers"][number]["definition"]>;
  readonly problemByOwner: ReadonlyMap<string, CompiledProblemMatcher>;
  /** Some rule has no literal at all: every line must be looked at. */
  readonly everyLine: boolean;
}

/** What a line's literals say is worth trying on it. */
export interface LineCandidates {
  /** Indexes into `plan.regex`, in priority order. */
  readonly regex: readonly number[];
  readonly errorLooking: boolean;
  /** How many earlier lines the problem matchers must replay; -1 when none triggers. */
  readonly lookBack: number;
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
  const add = (lit: string, target: LiteralTarget) => {
    let id = literalIndex.get(lit);
    if (id === undefined) {
      id = literals.length;
      literals.push(lit);
      targets.push([]);
      literalIndex.set(lit, id);
    }
    targets[id]!.push(target);
  };
  const alwaysRegex: number[] = [];
  regex.forEach((m, index) => {
    if (m.literals) for (const lit of m.literals) add(lit, { kind: "regex", index });
    else alwaysRegex.push(index);
  });
  let everyLine = alwaysRegex.length > 0;
  const problemMatchers: MatchingPlan["problemMatchers"][number][] = [];
  const problemByOwner = new Map<string, CompiledProblemMatcher>();
  for (const s of sentinels) {
    for (const pm of s.problemMatchers) {
      problemMatchers.push(pm.definition);
      problemByOwner.set(pm.definition.owner, pm);
      // Trigger on the pattern with the best literals; replay the lines before it on a hit.
      const best = bestTrigger(pm.literals);
      if (best < 0) everyLine = true;
      else for (const lit of pm.literals[best] as string[]) add(lit, { kind: "problem", lookBack: best });
    }
  }
  for (const lit of ENVELOPE_LITERALS) add(lit.toLowerCase(), { kind: "envelope" });
  for (const lit of ERROR_LOOKING) add(lit, { kind: "error-looking" });
  return {
    prefilter: buildPrefilter(literals),
    targets,
    regex,
    alwaysRegex,
    problemMatchers,
    problemByOwner,
    everyLine,
  };
}

/** Reads the literals in `bytes[start, end)` against the plan. */
export function candidatesFor(plan: MatchingPlan, bytes: Buffer, start: number, end: number): LineCandidates {
  const toTry = new Set<number>(plan.alwaysRegex);
  let errorLooking = false;
  let lookBack = -1;
  for (const id of literalsIn(plan.prefilter, bytes, start, end)) {
    for (const t of plan.targets[id] ?? []) {
      if (t.kind === "regex") toTry.add(t.index);
      else if (t.kind === "error-looking") errorLooking = true;
      else if (t.kind === "problem") lookBack = Math.max(lookBack, t.lookBack);
    }
  }
  return { regex: [...toTry].sort((a, b) => a - b), errorLooking, lookBack };
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
