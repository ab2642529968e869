import { createRequire } from "node:module";
import type { RE2JS as RE2JSClass } from "re2js";
import { SentinelError } from "../../core/index.js";
import { MAX_PATTERN_PROGRAM_SIZE } from "../repository-file/limits.js";
import { planEngine, type EnginePlan } from "./engine-plan.js";
import { estimateProgramSize } from "./estimate-program-size.js";
import type { ProgramBudget } from "./program-budget.js";
import { submatchSearch } from "./submatch-search.js";

/**
 * Rule files come from repositories we do not control, so no rule may use a backtracking
 * engine: every pattern, builtin or user-supplied, is compiled with RE2 semantics (re2js),
 * which matches in time linear in the input. Backreferences and lookarounds are therefore
 * rejected at load time with an error that names where the pattern came from. Linear is not
 * cheap: the time per character grows with the compiled program, so that is capped too
 * (MAX_PATTERN_PROGRAM_SIZE per pattern, and an optional budget shared by a file's patterns).
 */
export const MAX_PATTERN_LENGTH = 4096;

/**
 * re2js, loaded when a pattern is first compiled with it (synchronously, from its CommonJS build):
 * a `sentinel classify` whose lines reach only patterns V8 runs never loads it.
 */
let re2js: typeof import("re2js") | undefined;
function loadRe2js(): typeof import("re2js") {
  return (re2js ??= createRequire(import.meta.url)("re2js") as typeof import("re2js"));
}

/**
 * Loads re2js now (~25 ms): a caller with idle time (a command is running) spends it here rather
 * than on the first line that reaches a pattern re2js runs.
 */
export function preloadPatternEngine(): void {
  loadRe2js();
}

export interface PatternMatch {
  /** Whole match at index 0, then numbered groups; undefined where a group did not take part. */
  readonly groups: ReadonlyArray<string | undefined>;
  readonly named: Readonly<Record<string, string | undefined>>;
}

export interface CompiledPattern {
  readonly source: string;
  readonly ignoreCase: boolean;
  readonly groupCount: number;
  readonly groupNames: readonly string[];
  /** RE2 instructions in the compiled program: roughly what one character of input costs. */
  readonly programSize: number;
  exec(input: string): PatternMatch | null;
  test(input: string): boolean;
}

export interface CompileOptions {
  ignoreCase?: boolean;
  /** Where the pattern came from, e.g. `sentinels/tsc.yml: matchers[0].pattern`. */
  origin: string;
  /**
   * Problem matchers are written for .NET/JavaScript regex syntax. RE2 reads almost all of it;
   * this translates the few spellings that differ (e.g. `(?<name>` is fine, `\d` is fine, `\/` is not).
   */
  syntax?: "re2" | "javascript";
  /** Instructions left for the patterns of one repository's rule files; this pattern's are taken from it. */
  budget?: ProgramBudget;
  /** How the pattern runs, when already known (the build recorded it for a builtin): not worked out again. */
  plan?: EnginePlan;
}

export function compilePattern(source: string, options: CompileOptions): CompiledPattern {
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new SentinelError(
      "E_PATTERN_TOO_LONG",
      `${options.origin}: pattern is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}.`,
    );
  }
  const ignoreCase = options.ignoreCase === true;
  const re2Source = options.syntax === "javascript" ? translateJavascript(source, options.origin) : source;
  // Far over the cap on the estimate: refused without paying for the compilation. Near it, the
  // compiled program decides (the estimate does not see RE2's simplifications).
  const limit = Math.min(MAX_PATTERN_PROGRAM_SIZE, options.budget?.remaining ?? Number.POSITIVE_INFINITY);
  const estimate = estimateProgramSize(re2Source);
  // (An infinite estimate is nesting RE2 refuses itself, quickly.)
  if (Number.isFinite(estimate) && estimate > 2 * limit) throw tooComplex(source, estimate, options, "about ");
  const { RE2JS, RE2JSException } = loadRe2js();
  let re: RE2JSClass;
  try {
    re = RE2JS.compile(re2Source, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    const detail = error instanceof RE2JSException ? error.message : String(error);
    throw new SentinelError(
      "E_PATTERN_SYNTAX",
      `${options.origin}: pattern ${JSON.stringify(source)} is not valid RE2 syntax (${detail}). ` +
        "Sentinel runs every pattern in linear time, so backreferences and lookarounds are not supported.",
      { cause: error },
    );
  }
  const programSize = re.programSize();
  if (programSize > limit) throw tooComplex(source, programSize, options, "");
  if (options.budget) options.budget.remaining -= programSize;
  const named = re.namedGroups();
  const groupNames = Object.keys(named);
  const groupCount = re.groupCount();
  // The same pattern on V8's engine where that is provably linear and means the same (linear-js.ts).
  // Else cheap tests that every line the pattern matches passes, so most others skip re2js: how a
  // match starts (anchored patterns), and stretches of text any match holds (window-filter.ts).
  const { js, singleLine, filters } = options.plan ?? planEngine(re2Source, ignoreCase);
  const facts = { source, ignoreCase, groupCount, groupNames, programSize };
  if (js && !singleLine) return { ...facts, ...viaJs(js, groupNames) };
  const onRe2js = (admitting: readonly RegExp[]) => viaRe2js(re, named, groupCount, admitting);
  return { ...facts, ...(js ? onLines(viaJs(js, groupNames), () => onRe2js([])) : onRe2js(filters)) };
}

export type Matching = Pick<CompiledPattern, "exec" | "test">;

/** `exec` and `test` on re2js, behind `filters` (necessary conditions, each linear on V8). */
function viaRe2js(
  re: RE2JSClass,
  named: Record<string, number>,
  groupCount: number,
  filters: readonly RegExp[],
): Matching {
  const groupNames = Object.keys(named);
  const admits = (input: string) => filters.every((f) => f.test(input));
  const search = submatchSearch(re);
  return {
    test: (input) => admits(input) && re.test(input),
    exec(input) {
      if (!admits(input)) return null;
      const found = search(input);
      if (found === null) return null;
      const groups: Array<string | undefined> = [];
      for (let i = 0; i <= groupCount; i++) groups.push(found[i] ?? undefined);
      const byName: Record<string, string | undefined> = {};
      for (const name of groupNames) byName[name] = groups[named[name] as number];
      return { groups, named: byName };
    },
  };
}

/**
 * V8 for inputs without a newline (the lines a log is read as), re2js, made on first need, for the
 * rest (EnginePlan.singleLine).
 */
export function onLines(line: Matching, makeAny: () => Matching): Matching {
  let any: Matching | undefined;
  const pick = (input: string) => (input.includes("\n") ? (any ??= makeAny()) : line);
  return { test: (input) => pick(input).test(input), exec: (input) => pick(input).exec(input) };
}

/** RE2 syntax for a pattern written in JavaScript's (problem matchers). */
export function toRe2Syntax(source: string, syntax: CompileOptions["syntax"], origin: string): string {
  return syntax === "javascript" ? translateJavascript(source, origin) : source;
}

const NO_NAMES: Readonly<Record<string, string | undefined>> = Object.freeze({});

/** `exec` and `test` on V8's engine, for a pattern linear-js.ts translated exactly. */
export function viaJs(js: RegExp, groupNames: readonly string[]): Pick<CompiledPattern, "exec" | "test"> {
  return {
    test: (input) => js.test(input),
    exec(input) {
      const m = js.exec(input);
      if (!m) return null;
      // The match array is the groups already (undefined where one did not take part), and V8
      // names every named group in `m.groups`: copying them cost ~1% of a classify run.
      return { groups: m, named: groupNames.length === 0 ? NO_NAMES : m.groups! };
    },
  };
}

/**
 * E_PATTERN_TOO_LONG covers both ways a pattern is too big to run cheaply: its text, or its
 * compiled program (ErrorCode lives outside the rule engine; a separate code would be clearer).
 */
function tooComplex(source: string, size: number, options: CompileOptions, about: string): SentinelError {
  const shown = JSON.stringify(source.length > 80 ? source.slice(0, 80) + "…" : source);
  if (size <= MAX_PATTERN_PROGRAM_SIZE && options.budget) {
    return new SentinelError(
      "E_PATTERN_TOO_LONG",
      `${options.origin}: pattern ${shown} compiles to ${about}${size} RE2 instructions, more than the ${options.budget.remaining} left of the ${options.budget.total} ` +
        "that a repository's rule files may use together. Remove rules you do not need, or make patterns smaller.",
    );
  }
  return new SentinelError(
    "E_PATTERN_TOO_LONG",
    `${options.origin}: pattern ${shown} compiles to ${about}${size} RE2 instructions; the limit is ${MAX_PATTERN_PROGRAM_SIZE}. ` +
      "Counted repetitions multiply what they repeat (\\w{1000} is 1,000 instructions): match less text, or use + or * instead of a large count.",
  );
}

function translateJavascript(source: string, origin: string): string {
  try {
    return loadRe2js().RE2JS.translateRegExp(source);
  } catch (error) {
    throw new SentinelError(
      "E_PATTERN_SYNTAX",
      `${origin}: pattern ${JSON.stringify(source)} cannot be translated to RE2 syntax.`,
      { cause: error },
    );
  }
}
