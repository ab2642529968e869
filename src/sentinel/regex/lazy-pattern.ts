import {
  compilePattern,
  onLines,
  toRe2Syntax,
  viaJs,
  type CompiledPattern,
  type CompileOptions,
} from "./compile-pattern.js";
import { planEngine, planFromData, planToData, type EnginePlan, type EnginePlanData } from "./engine-plan.js";

/** What a pattern's compilation says about it, recorded when the build checked it. */
export interface PatternFacts {
  readonly source: string;
  readonly ignoreCase: boolean;
  readonly groupCount: number;
  readonly groupNames: readonly string[];
  readonly programSize: number;
}

/** A bundled pattern's facts, with its RE2 spelling when it was written in JavaScript's. */
export interface BundledPatternFacts extends PatternFacts {
  readonly re2Source?: string;
  /** How it runs (engine-plan.ts), as the build worked it out; absent in a bundle written without it. */
  readonly engine?: EnginePlanData;
}

/**
 * A pattern the build already compiled and checked (a builtin from the bundle), compiled again
 * only when a line first reaches it: a CLI run on a small log runs a few dozen of the builtins'
 * 460 patterns, and compiling them all is most of its start-up.
 */
export function lazyPattern(
  facts: BundledPatternFacts,
  options: Omit<CompileOptions, "ignoreCase" | "budget">,
): CompiledPattern {
  let compiled: Pick<CompiledPattern, "exec" | "test"> | undefined;
  const get = () => (compiled ??= compile(facts, options));
  return {
    source: facts.source,
    ignoreCase: facts.ignoreCase,
    groupCount: facts.groupCount,
    groupNames: facts.groupNames,
    programSize: facts.programSize,
    test: (input) => get().test(input),
    exec: (input) => get().exec(input),
  };
}

/** re2js with no filters: for the inputs a single-line V8 plan may not take. */
const ON_RE2JS: EnginePlan = { js: null, singleLine: false, filters: [] };

/** Checked at build time: V8 runs it when it can (without loading re2js), else re2js. */
function compile(facts: BundledPatternFacts, options: Omit<CompileOptions, "ignoreCase" | "budget">) {
  // (A problem-matcher pattern's RE2 spelling was recorded at build time: no translating now.)
  const known = facts.re2Source !== undefined || options.syntax !== "javascript";
  const re2Source = facts.re2Source ?? facts.source;
  if (!known) return compilePattern(facts.source, { ...options, ignoreCase: facts.ignoreCase });
  // Worked out once: compilePattern is handed the plan rather than redoing it for re2js patterns.
  const plan = facts.engine ? planFromData(facts.engine) : planEngine(re2Source, facts.ignoreCase);
  const onRe2js = (how: EnginePlan) =>
    compilePattern(re2Source, { ...options, syntax: "re2", ignoreCase: facts.ignoreCase, plan: how });
  if (!plan.js) return onRe2js(plan);
  const onV8 = viaJs(plan.js, facts.groupNames);
  return plan.singleLine ? onLines(onV8, () => onRe2js(ON_RE2JS)) : onV8;
}

/** How a pattern in RE2 syntax runs, for the bundle (the build works it out so that runs need not). */
export function engineFactsOf(re2Source: string, ignoreCase: boolean): { engine: EnginePlanData } {
  return { engine: planToData(planEngine(re2Source, ignoreCase)) };
}

/** The facts of a compiled pattern, as the bundle stores them. */
export function factsOf(p: CompiledPattern): PatternFacts {
  return {
    source: p.source,
    ignoreCase: p.ignoreCase,
    groupCount: p.groupCount,
    groupNames: p.groupNames,
    programSize: p.programSize,
  };
}

/** The facts of a problem-matcher pattern (JavaScript syntax), with its RE2 spelling. */
export function javascriptFactsOf(p: CompiledPattern): BundledPatternFacts {
  const re2Source = toRe2Syntax(p.source, "javascript", "bundle");
  return { ...factsOf(p), re2Source, ...engineFactsOf(re2Source, p.ignoreCase) };
}
