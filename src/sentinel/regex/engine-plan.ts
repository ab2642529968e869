import { toLinearFilter } from "./linear-filter.js";
import { toLinearJsForLines } from "./linear-js.js";
import { toWindowFilters } from "./window-filter.js";

/**
 * How a pattern runs: on V8 when linear-js.ts translates it exactly, else on re2js behind cheap
 * tests every line it matches passes (how a match starts, stretches of text any match holds).
 * Working this out costs more than compiling the pattern with re2js (linear-js's translation and
 * the filters' searches run in cold code: ~0.5 s for the builtins' 467 patterns), so the build
 * records it for the builtins (`EnginePlanData` in the bundle) and a run rebuilds the RegExps.
 */
export interface EnginePlan {
  /** The pattern on V8's engine, meaning exactly what RE2 means; null when re2js must run it. */
  readonly js: RegExp | null;
  /** `js` is linear on inputs without a newline only: re2js runs the others (linear-js.ts). */
  readonly singleLine: boolean;
  /** For a pattern re2js runs: necessary conditions, each a linear RegExp, tried first. */
  readonly filters: readonly RegExp[];
}

/** A RegExp as JSON holds it. */
export interface RegExpData {
  readonly source: string;
  readonly flags: string;
}

/** An `EnginePlan` as the bundle stores it. */
export interface EnginePlanData {
  readonly js: RegExpData | null;
  readonly singleLine?: true;
  readonly filters: readonly RegExpData[];
}

/** The plan for a pattern in RE2 syntax. */
export function planEngine(re2Source: string, ignoreCase: boolean): EnginePlan {
  const linear = toLinearJsForLines(re2Source, ignoreCase);
  if (linear) return { js: linear.js, singleLine: linear.singleLine, filters: [] };
  const filters = [toLinearFilter(re2Source, ignoreCase), ...toWindowFilters(re2Source, ignoreCase)].filter(
    (f): f is RegExp => f !== null,
  );
  return { js: null, singleLine: false, filters };
}

export function planToData(plan: EnginePlan): EnginePlanData {
  return {
    js: plan.js && regExpData(plan.js),
    ...(plan.singleLine ? { singleLine: true as const } : {}),
    filters: plan.filters.map(regExpData),
  };
}

export function planFromData(data: EnginePlanData): EnginePlan {
  return {
    js: data.js && regExpOf(data.js),
    singleLine: data.singleLine === true,
    filters: data.filters.map(regExpOf),
  };
}

function regExpData(re: RegExp): RegExpData {
  return { source: re.source, flags: re.flags };
}

function regExpOf(data: RegExpData): RegExp {
  return new RegExp(data.source, data.flags);
}
