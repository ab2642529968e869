import type { CompiledProblemMatcher, CompiledRegexMatcher, CompiledSentinel } from "../rules/rule-set.js";
// The matchers' own modules, not the problem-matcher index (which also loads their JSON parser).
import type { ProblemMatcherSet } from "../problem-matcher/problem-matcher-set.js";
import type { ProblemMatcherDefinition, ProblemPattern } from "../problem-matcher/index.js";
import type { CompiledPattern, PatternMatch } from "../regex/compile-pattern.js";
import { anchoredPrefix, startsLike, type AnchoredPrefix } from "../regex/anchored-prefix.js";
import { ENVELOPE_LITERALS } from "./clean-line.js";
import { CandidateMemo } from "./candidate-memo.js";
import { LineLiterals } from "./line-literals.js";
import { buildPrefilter, type LiteralRole, type Prefilter } from "./prefilter.js";

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

/**
 * The automaton holds at most this many leading bytes of a literal: a line that holds the whole
 * literal holds them too, and past a dozen bytes a literal turns away hardly more lines, while
 * its states grow the table (19,000 states for the builtins in full, 8,000 cut here).
 */
const MAX_LITERAL_BYTES = 12;

/** What must hold of a line for a pattern to be worth running on it. */
interface PatternGate {
  /** Literal ids, one of each list on the line (its required literals, as the prefilter holds them). */
  readonly clauses: readonly (readonly number[])[];
  /** How a match starts (anchoredPrefix), read when a line first reaches the pattern: null when not known. */
  anchor: AnchoredPrefix | null | undefined;
  readonly source: string;
  readonly ignoreCase: boolean;
}

type LiteralTarget =
  | { readonly kind: "regex"; readonly index: number }
  | {
      readonly kind: "problem";
      readonly lookBack: number;
      readonly pattern: CompiledPattern;
      readonly gate: PatternGate;
    }
  | { readonly kind: "error-looking" }
  | { readonly kind: "envelope" };

export interface MatchingPlan {
  readonly prefilter: Prefilter;
  /** Per literal id, what finding it on a line means (none for a verify-only literal). */
  readonly targets: ReadonlyArray<readonly LiteralTarget[]>;
  readonly regex: readonly CompiledRegexMatcher[];
  readonly alwaysRegex: readonly number[];
  /**
   * Per regex (as `regex`), the text an anchored pattern's match starts with; null when none is
   * known, undefined until a line first needs it (most rules never see a candidate line).
   */
  readonly anchors: Array<AnchoredPrefix | null | undefined>;
  /** Per regex, its further required literal sets (literal ids) beyond the one that made it a candidate. */
  readonly regexClauses: ReadonlyArray<readonly (readonly number[])[]>;
  /** Scratch for `candidatesFor`: regex `i` was taken for the current line when `seenRegex[i] === stamp.value`. */
  readonly seenRegex: Uint32Array;
  readonly stamp: { value: number };
  /**
   * The problem matchers to run, their patterns gated: a pattern whose required literals the line
   * lacks, or whose known start it lacks, is not run (it could not match).
   */
  readonly problemMatchers: readonly ProblemMatcherDefinition[];
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
  /** The literals of the line being matched (shared by the gates). */
  readonly line: LineLiterals;
  /** Literal ids of GitLab's section markers: cleaning removes them mid-line. */
  readonly sectionLiterals: readonly number[];
  /** `candidatesFor`'s answers by the line's set of literals. */
  readonly memo: CandidateMemo;
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
  const roles: LiteralRole[] = [];
  const RANK: Record<LiteralRole, number> = { verify: 0, follow: 1, trigger: 2 };
  const add = (whole: string, role: LiteralRole, target?: LiteralTarget): number => {
    const lit = leadingBytes(whole, MAX_LITERAL_BYTES);
    let id = literalIndex.get(lit);
    if (id === undefined) {
      id = literals.length;
      literals.push(lit);
      targets.push([]);
      roles.push(role);
      literalIndex.set(lit, id);
    } else if (RANK[role] > RANK[roles[id]!]) roles[id] = role;
    if (target) targets[id]!.push(target);
    return id;
  };
  const clauseIds = (clauses: readonly (readonly string[])[] | undefined) =>
    (clauses ?? []).map((c) => c.map((lit) => add(lit, "verify")));

  const alwaysRegex: number[] = [];
  const regexClauses: (readonly (readonly number[])[])[] = [];
  regex.forEach((m, index) => {
    if (m.literals) for (const lit of m.literals) add(lit, "trigger", { kind: "regex", index });
    else alwaysRegex.push(index);
    regexClauses.push(m.literals ? clauseIds(m.clauses) : []);
  });
  let everyLine = alwaysRegex.length > 0;

  // Filled in once the prefilter exists (the gates read the line's literals through it).
  const shared: { line?: LineLiterals } = {};
  const gated = (p: ProblemPattern, gate: PatternGate) => gatedPattern(p, gate, shared);

  const problemMatchers: ProblemMatcherDefinition[] = [];
  const problemByOwner = new Map<string, CompiledProblemMatcher>();
  const blindContinuations = new Set<string>();
  for (const s of sentinels) {
    for (const pm of s.problemMatchers) {
      const d = pm.definition;
      const gates = d.patterns.map((p, i): PatternGate => {
        const lits = pm.literals[i];
        const clauses = lits ? [lits.map((lit) => add(lit, "verify")), ...clauseIds(pm.clauses?.[i])] : [];
        return {
          clauses,
          anchor: undefined,
          source: p.regexp.source.replace(/\\\//g, "/"),
          ignoreCase: p.regexp.ignoreCase,
        };
      });
      const patterns = d.patterns.map((p, i) => gated(p, gates[i]!));
      problemMatchers.push({ ...d, patterns });
      problemByOwner.set(d.owner, pm);
      // Trigger on the pattern with the best literals; replay the lines before it on a hit.
      const best = bestTrigger(pm.literals);
      const target = (i: number): LiteralTarget => ({
        kind: "problem",
        lookBack: i,
        pattern: patterns[i]!.regexp,
        gate: gates[i]!,
      });
      if (best < 0) everyLine = true;
      else for (const lit of pm.literals[best] as string[]) add(lit, "trigger", target(best));
      // A later pattern can only continue a match the line before started: its literals count on
      // the line after a looked-at line; one without literals needs that next line forced.
      pm.literals.forEach((lits, i) => {
        if (i <= best) return;
        if (!lits) blindContinuations.add(d.owner);
        else for (const lit of lits) add(lit, "follow", target(i));
      });
    }
  }
  const sectionLiterals: number[] = [];
  for (const lit of ENVELOPE_LITERALS) {
    const id = add(lit.toLowerCase(), "trigger", { kind: "envelope" });
    if (lit.startsWith("section_")) sectionLiterals.push(id);
  }
  for (const lit of ERROR_LOOKING) add(lit, "trigger", { kind: "error-looking" });
  const prefilter = sharedPrefilter(literals, roles);
  const line = new LineLiterals(prefilter);
  shared.line = line;
  return {
    prefilter,
    targets,
    regex,
    alwaysRegex,
    anchors: regex.map(() => undefined),
    regexClauses,
    seenRegex: new Uint32Array(regex.length),
    stamp: { value: 0 },
    problemMatchers,
    problemByOwner,
    everyLine,
    blindContinuations,
    problemSpan: Math.max(0, ...problemMatchers.map((d) => d.patterns.length)),
    line,
    sectionLiterals,
    memo: new CandidateMemo(),
  };
}

/**
 * The automaton for these literals, built once for a process's classifiers with the same rules:
 * building it is most of a classifier's set-up (about 200 ms for the builtins), and `sentinel fix`
 * makes one per command it runs. It is read-only, so classifiers may share it.
 */
const prefilters = new Map<string, Prefilter>();
const MAX_SHARED_PREFILTERS = 8;

function sharedPrefilter(literals: readonly string[], roles: readonly LiteralRole[]): Prefilter {
  // JSON, not a join: a repository's literal may hold any separator a join would use.
  const key = JSON.stringify([roles, literals]);
  let prefilter = prefilters.get(key);
  if (prefilter) {
    // Most recently used last, so the oldest goes first when the map is full.
    prefilters.delete(key);
  } else {
    prefilter = buildPrefilter(literals, roles);
    if (prefilters.size >= MAX_SHARED_PREFILTERS) prefilters.delete(prefilters.keys().next().value as string);
  }
  prefilters.set(key, prefilter);
  return prefilter;
}

/** A problem-matcher pattern that runs only on a line its gate admits (see PatternGate). */
function gatedPattern(p: ProblemPattern, gate: PatternGate, shared: { line?: LineLiterals }): ProblemPattern {
  const inner = p.regexp;
  const admits = (input: string): boolean => {
    // Not `??=`: null (no anchored start) is an answer too, and reading it again parses the pattern.
    if (gate.anchor === undefined) gate.anchor = anchoredPrefix(gate.source, gate.ignoreCase);
    const anchor = gate.anchor;
    if (anchor && !startsLike(anchor, input)) return false;
    // The line's literals are known only for the text they were read from.
    const line = shared.line;
    return !(line && line.exact && line.text === input && !line.holdsAll(gate.clauses));
  };
  // The trigger test and the matcher's own run see the same line: the second reads the first's
  // answer (one entry; patterns are pure, so equal text means an equal answer).
  let lastInput: string | undefined;
  let lastMatch: PatternMatch | null = null;
  const exec = (input: string): PatternMatch | null => {
    if (input === lastInput) return lastMatch;
    lastMatch = admits(input) ? inner.exec(input) : null;
    lastInput = input;
    return lastMatch;
  };
  const regexp: CompiledPattern = { ...inner, test: (input) => exec(input) !== null, exec };
  return { ...p, regexp };
}

/**
 * Whether a partial problem-matcher match needs the next line whatever its literals. Otherwise the
 * matchers only see lines with one of their literals: the lines between are replayed on a trigger.
 */
export function mustSeeNextLine(plan: MatchingPlan, problems: ProblemMatcherSet): boolean {
  return plan.blindContinuations.size > 0 && problems.inProgressAmong(plan.blindContinuations);
}

/** At most the first `max` bytes of `s` in UTF-8, ending on a character boundary. */
function leadingBytes(s: string, max: number): string {
  if (s.length * 3 <= max) return s;
  // ASCII (nearly every literal): a character is a byte.
  let ascii = true;
  for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 0x80;
  if (ascii) return s.length <= max ? s : s.slice(0, max);
  const bytes = Buffer.from(s, "utf8");
  if (bytes.length <= max) return s;
  let end = max;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
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
