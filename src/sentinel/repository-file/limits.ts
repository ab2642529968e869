/**
 * Every cap on what Sentinel parses from a repository, in one place. Repository files (the
 * config, rule files, problem matchers, recipes) are written by whoever can push to a branch, so
 * each is read as hostile: its size is capped before any parser sees it, and every later stage
 * (YAML, duplicate keys, aliases, schema, pattern compilation) does work linear in that size.
 */

export type RepositoryFileKind = "config" | "rules" | "recipe";

/**
 * Largest file of each kind. Real configs and recipes are a few KB and real rule files a few
 * tens of KB; the GitHub config path refuses configs over the same size before its own parser.
 */
export const MAX_REPOSITORY_FILE_BYTES: Readonly<Record<RepositoryFileKind, number>> = {
  config: 64 * 1024,
  rules: 1024 * 1024,
  recipe: 64 * 1024,
};

/** How each kind is named in messages. */
export const REPOSITORY_FILE_LABEL: Readonly<Record<RepositoryFileKind, string>> = {
  config: "config",
  rules: "rule file",
  recipe: "recipe",
};

/** YAML documents in one rule file (a sentinel each); configs and recipes hold exactly one. */
export const MAX_RULE_DOCUMENTS = 100;

/**
 * Nesting of YAML collections (and JSON arrays/objects). The YAML composer recurses per level: a
 * 20 KB file of `[[[[…` overflows the stack, and a second such file in the same process has
 * crashed Node outright (V8 aborts when the overflow hits inside its regex compiler). Real files
 * nest under ten levels.
 */
export const MAX_NESTING_DEPTH = 64;

/** yaml's guard against alias expansion ("billion laughs"): aliases resolved, times nodes each. */
export const MAX_ALIAS_COUNT = 100;

/**
 * Problems reported per file: a hostile file can produce one per node, and each becomes a check
 * annotation; the first ones say what is wrong.
 */
export const MAX_PROBLEMS_PER_FILE = 50;

/**
 * RE2 instructions one pattern may compile to. RE2 matches in time linear in the line, but the
 * factor is the program's size: `\w{1000}` repeated through 4,000 characters compiles to 500,000
 * instructions and takes seconds per long line. The largest builtin pattern compiles to under 900.
 */
export const MAX_PATTERN_PROGRAM_SIZE = 2_000;

/**
 * RE2 instructions a repository's rule files may compile to together (each file on its own when
 * validated alone). Compiled programs also cost memory (about 160 bytes an instruction in re2js):
 * a 1 MiB rule file of 22,000 large patterns took a worker past 4 GB. All builtins together
 * compile to about 16,000.
 */
export const MAX_RULES_PROGRAM_SIZE = 20_000;
