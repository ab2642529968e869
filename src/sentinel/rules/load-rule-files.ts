import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_ROOT } from "../../core/index.js";
import { programBudget } from "../regex/program-budget.js";
import { MAX_REPOSITORY_FILE_BYTES, MAX_RULES_PROGRAM_SIZE } from "../repository-file/limits.js";
import { BUILTIN_BUNDLE_FILE, readBuiltinBundle, type BuiltinBundle, type BundleEntry } from "./builtin-bundle.js";
import { compileBundled } from "./compile-bundled.js";
import type { RuleOrigin } from "./compile-regex-matcher.js";
import type { CompiledSentinel, RuleIssue, RuleSet } from "./rule-set.js";

/**
 * Reading rule files from disk. This module and what it imports stay free of YAML and zod: the
 * builtins come from the build's bundle (builtin-bundle.ts), and the parser (parse-rule-text.ts)
 * is imported only for a file the bundle does not hold, so `sentinel classify` starts quickly.
 */

export const MAX_RULE_FILE_BYTES = MAX_REPOSITORY_FILE_BYTES.rules;
const RULE_EXTENSIONS = new Set([".yml", ".yaml", ".json"]);

/** The directory of builtin sentinels shipped with the package. */
export const BUILTIN_SENTINELS_DIR = path.join(PACKAGE_ROOT, "sentinels") + path.sep;

/**
 * Reads rule files and directories (their *.yml, *.yaml and *.json files, sorted by name). Files
 * are held to a repository's rules unless `origin` is `builtin`, so `sentinel validate` says what
 * the app would say; a repository's files share one instruction budget, builtins have one each.
 */
export async function loadRuleFiles(
  paths: readonly string[],
  options: { origin?: RuleOrigin; bundle?: BuiltinBundle } = {},
): Promise<RuleSet> {
  const origin = options.origin ?? "repository";
  const shared = programBudget(MAX_RULES_PROGRAM_SIZE);
  const sentinels: CompiledSentinel[] = [];
  const issues: RuleIssue[] = [];
  for (const file of await expandPaths(paths, issues)) {
    let text: string | undefined;
    let entry: BundleEntry | undefined;
    try {
      const info = await stat(file);
      if (info.size > MAX_RULE_FILE_BYTES) {
        issues.push({
          file,
          code: "E_FILE_TOO_LARGE",
          severity: "error",
          message: `rule file is ${info.size} bytes; the limit is ${MAX_RULE_FILE_BYTES}.`,
        });
        continue;
      }
      // A file the build saw, untouched since: its entry, without reading it (CLI start-up).
      entry = options.bundle?.entryForStat(path.basename(file), info.size, info.mtimeMs);
      if (!entry) text = await readFile(file, "utf8");
    } catch (error) {
      issues.push({ file, code: "E_RULE_FILE_UNREADABLE", severity: "error", message: (error as Error).message });
      continue;
    }
    const budget = origin === "builtin" ? programBudget(MAX_RULES_PROGRAM_SIZE) : shared;
    if (text !== undefined) entry = options.bundle?.entryFor(path.basename(file), text);
    const result = entry
      ? compileBundled(entry, file, { origin, budget })
      : (await import("./parse-rule-text.js")).parseRuleText(text!, file, { origin, budget });
    sentinels.push(...result.sentinels);
    issues.push(...result.issues);
  }
  return mergeRuleSets({ sentinels: [], issues }, { sentinels, issues: [] });
}

async function expandPaths(paths: readonly string[], issues: RuleIssue[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    try {
      const info = await stat(p);
      if (info.isDirectory()) {
        const entries = (await readdir(p)).filter((n) => RULE_EXTENSIONS.has(path.extname(n))).sort();
        files.push(...entries.map((n) => path.join(p, n)));
      } else files.push(p);
    } catch (error) {
      issues.push({ file: p, code: "E_RULE_FILE_UNREADABLE", severity: "error", message: (error as Error).message });
    }
  }
  return files;
}

/**
 * Later rule sets win: a sentinel whose id is already present replaces it (so a repository can
 * override a builtin by reusing its id), and issues accumulate.
 */
export function mergeRuleSets(...sets: RuleSet[]): RuleSet {
  const byId = new Map<string, CompiledSentinel>();
  const issues: RuleIssue[] = [];
  for (const set of sets) {
    issues.push(...set.issues);
    for (const s of set.sentinels) {
      byId.delete(s.id);
      byId.set(s.id, s);
    }
  }
  return { sentinels: [...byId.values()], issues };
}

let builtinCache: Promise<RuleSet> | undefined;

export function loadBuiltinRules(): Promise<RuleSet> {
  builtinCache ??= readBuiltinBundle(BUILTIN_BUNDLE_FILE).then((bundle) =>
    loadRuleFiles([BUILTIN_SENTINELS_DIR], { origin: "builtin", ...(bundle ? { bundle } : {}) }),
  );
  return builtinCache;
}
