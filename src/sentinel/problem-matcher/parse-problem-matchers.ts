import { isSentinelError, type ErrorCode } from "../../core/index.js";
import { compilePattern, type CompiledPattern } from "../regex/compile-pattern.js";
import type { ProgramBudget } from "../regex/program-budget.js";
import { dotnetGroupNumbers } from "./dotnet-group-numbers.js";
import { ordinalIgnoreCaseKey } from "./dotnet-text.js";
import { parseLenientJson } from "./parse-lenient-json.js";
import { getField, isJsonObject, readBoolean, readInt32, readString, type JsonObject } from "./read-json-field.js";
import type { ParsedProblemMatchers, ProblemMatcherDefinition, ProblemMatcherError, ProblemPattern } from "./types.js";

/** Matcher files are a few KB; anything near this is not a matcher file. */
export const MAX_MATCHER_FILE_LENGTH = 1_048_576;

// The order IssuePatternConfig.Validate checks them in, so the first error matches the runner's.
const GROUP_PROPERTIES = ["file", "line", "column", "severity", "code", "message", "fromPath"] as const;
type GroupProperty = (typeof GROUP_PROPERTIES)[number];

const VALID_SEVERITIES = new Set(["", "ERROR", "WARNING", "NOTICE"]);

type Collect = (path: string, message: string, code?: ErrorCode) => void;

/**
 * Validates and compiles the contents of a problem-matcher file (`{ "problemMatcher": [...] }`)
 * with the rules of the runner's IssueMatchersConfig.Validate, and never throws.
 *
 * The runner rejects a whole file on the first validation error, so any such error yields no
 * matchers. A regexp that only RE2 cannot run (lookaround, backreference) is different: the runner
 * would load that file, so only the matcher holding the regexp is dropped and reported.
 */
export function parseProblemMatchers(
  json: unknown,
  origin: string,
  options: { budget?: ProgramBudget } = {},
): ParsedProblemMatchers {
  const errors: ProblemMatcherError[] = [];
  const collect: Collect = (path, message, code = "E_PROBLEM_MATCHER") => errors.push({ path, code, message });

  // Json.NET reads `null` as no config, and a config without `problemMatcher` adds nothing.
  if (json === null) return { matchers: [], errors };
  if (!isJsonObject(json)) {
    collect("", `${origin}: a problem-matcher file must contain a JSON object`);
    return { matchers: [], errors };
  }
  const list = getField(json, "problemMatcher");
  if (list === undefined || list === null) return { matchers: [], errors };
  if (!Array.isArray(list)) {
    collect("problemMatcher", "The property 'problemMatcher' must be an array");
    return { matchers: [], errors };
  }

  const matchers: ProblemMatcherDefinition[] = [];
  const owners = new Set<string>();
  list.forEach((entry: unknown, i) => {
    const path = `problemMatcher[${i}]`;
    const { owner, definition } = parseMatcher(entry, path, origin, collect, options.budget);
    if (definition) matchers.push(definition);
    if (owner === "") return;
    const key = ordinalIgnoreCaseKey(owner);
    if (owners.has(key)) collect(`${path}.owner`, `Duplicate owner name '${owner}'`);
    owners.add(key);
  });

  const rejectedByRunner = errors.some((error) => error.code === "E_PROBLEM_MATCHER");
  return { matchers: rejectedByRunner ? [] : matchers, errors };
}

/** The text form of a matcher file; JSON errors become an error entry instead of an exception. */
export function parseProblemMatcherText(text: string, origin: string): ParsedProblemMatchers {
  if (text.length > MAX_MATCHER_FILE_LENGTH) {
    const message = `${origin}: the file is ${text.length} characters long; a problem-matcher file may have at most ${MAX_MATCHER_FILE_LENGTH}`;
    return { matchers: [], errors: [{ path: "", code: "E_RULE_FILE_TOO_LARGE", message }] };
  }
  let json: unknown;
  try {
    json = parseLenientJson(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      matchers: [],
      errors: [{ path: "", code: "E_PROBLEM_MATCHER", message: `${origin}: not valid JSON (${detail})` }],
    };
  }
  return parseProblemMatchers(json, origin);
}

interface ParsedMatcher {
  owner: string;
  definition?: ProblemMatcherDefinition;
}

function parseMatcher(
  entry: unknown,
  path: string,
  origin: string,
  collect: Collect,
  budget: ProgramBudget | undefined,
): ParsedMatcher {
  if (!isJsonObject(entry)) {
    collect(path, "Each problemMatcher entry must be an object");
    return { owner: "" };
  }
  const owner = readString(entry, "owner", path, collect) ?? "";
  const severity = readString(entry, "severity", path, collect) ?? "";
  if (owner === "") collect(`${path}.owner`, "Owner must not be empty");
  if (!VALID_SEVERITIES.has(ordinalIgnoreCaseKey(severity))) {
    collect(`${path}.severity`, `Matcher '${owner}' contains unexpected default severity '${severity}'`);
  }

  const patternList = getField(entry, "pattern");
  if (patternList !== undefined && patternList !== null && !Array.isArray(patternList)) {
    collect(`${path}.pattern`, "The property 'pattern' must be an array");
    return { owner };
  }
  if (!Array.isArray(patternList) || patternList.length === 0) {
    collect(`${path}.pattern`, `Matcher '${owner}' does not contain any patterns`);
    return { owner };
  }

  const declared = new Set<GroupProperty>();
  const patterns: ProblemPattern[] = [];
  patternList.forEach((value: unknown, j) => {
    const pattern = parsePattern(value, `${path}.pattern[${j}]`, {
      isFirst: j === 0,
      isLast: j === patternList.length - 1,
      declared,
      origin,
      collect,
      budget,
    });
    if (pattern) patterns.push(pattern);
  });
  if (!declared.has("message")) collect(`${path}.pattern`, "At least one pattern must set 'message'");

  const complete = patterns.length === patternList.length;
  if (!complete) return { owner };
  return { owner, definition: severity === "" ? { owner, patterns } : { owner, severity, patterns } };
}

interface PatternContext {
  isFirst: boolean;
  isLast: boolean;
  /** Properties set by earlier patterns of the same matcher (each may be set once). */
  declared: Set<GroupProperty>;
  origin: string;
  collect: Collect;
  budget: ProgramBudget | undefined;
}

function parsePattern(value: unknown, path: string, context: PatternContext): ProblemPattern | undefined {
  const { collect } = context;
  if (!isJsonObject(value)) {
    collect(path, "Each pattern must be an object");
    return undefined;
  }
  const loop = readBoolean(value, "loop", path, collect) ?? false;
  const groups = readGroupNumbers(value, path, collect);
  if (loop && (context.isFirst || !context.isLast)) {
    collect(`${path}.loop`, "Only the last pattern in a multiline matcher may set 'loop'");
  }
  if (loop && groups.message === undefined) collect(`${path}.loop`, "The loop pattern must set 'message'");

  // A missing regexp is an empty one (matches every line), as `config.Pattern ?? string.Empty` makes it.
  const source = readString(value, "regexp", path, collect) ?? "";
  const regexp = compile(source, `${context.origin}: ${path}.regexp`, `${path}.regexp`, collect, context.budget);

  for (const property of GROUP_PROPERTIES) {
    const group = groups[property];
    if (group === undefined) continue;
    if (context.declared.has(property)) collect(`${path}.${property}`, `The property '${property}' is set twice`);
    context.declared.add(property);
    // GetGroupNumbers().Length counts group 0, so valid numbers are 0..groupCount.
    if (regexp && (group < 0 || group > regexp.groupCount)) {
      collect(`${path}.${property}`, `The property '${property}' is set to ${group} which is out of range`);
    }
  }
  if (!regexp) return undefined;
  const groupNumbers = dotnetGroupNumbers(regexp);
  return { regexp, loop, ...groups, ...(groupNumbers ? { groupNumbers } : {}) };
}

function readGroupNumbers(value: JsonObject, path: string, collect: Collect): Partial<Record<GroupProperty, number>> {
  const groups: Partial<Record<GroupProperty, number>> = {};
  for (const property of GROUP_PROPERTIES) {
    const group = readInt32(value, property, path, collect);
    if (group !== undefined) groups[property] = group;
  }
  return groups;
}

function compile(
  source: string,
  origin: string,
  path: string,
  collect: Collect,
  budget: ProgramBudget | undefined,
): CompiledPattern | undefined {
  try {
    // The runner uses RegexOptions.ECMAScript | CultureInvariant: JavaScript-flavoured and case-sensitive.
    return compilePattern(source, { origin, syntax: "javascript", ignoreCase: false, ...(budget ? { budget } : {}) });
  } catch (error) {
    if (isSentinelError(error)) collect(path, error.message, error.code);
    else collect(path, `${origin}: ${String(error)}`, "E_PATTERN_SYNTAX");
    return undefined;
  }
}
