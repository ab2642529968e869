import { RE2JS, RE2JSException } from "re2js";
import { SentinelError } from "../../errors/index.js";

/**
 * Rule files come from repositories we do not control, so no rule may use a backtracking
 * engine: every pattern, builtin or user-supplied, is compiled with RE2 semantics (re2js),
 * which matches in time linear in the input. Backreferences and lookarounds are therefore
 * rejected at load time with an error that names where the pattern came from.
 */
export const MAX_PATTERN_LENGTH = 4096;

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
  let re: RE2JS;
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
  const named = re.namedGroups();
  const groupNames = Object.keys(named);
  const groupCount = re.groupCount();
  return {
    source,
    ignoreCase,
    groupCount,
    groupNames,
    test: (input) => re.test(input),
    exec(input) {
      const m = re.matcher(input);
      if (!m.find()) return null;
      const groups: Array<string | undefined> = [];
      for (let i = 0; i <= groupCount; i++) groups.push(m.group(i) ?? undefined);
      const byName: Record<string, string | undefined> = {};
      for (const name of groupNames) byName[name] = groups[named[name] as number];
      return { groups, named: byName };
    },
  };
}

function translateJavascript(source: string, origin: string): string {
  try {
    return RE2JS.translateRegExp(source);
  } catch (error) {
    throw new SentinelError(
      "E_PATTERN_SYNTAX",
      `${origin}: pattern ${JSON.stringify(source)} cannot be translated to RE2 syntax.`,
      { cause: error },
    );
  }
}
