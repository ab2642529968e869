import type { ForgeClient } from "../forge/index.js";
import {
  formatFileProblem,
  loadBuiltinRules,
  mergeRuleSets,
  parseRuleText,
  programBudget,
  MAX_RULES_PROGRAM_SIZE,
  type RuleSet,
} from "../sentinel/index.js";
import { loadRecipe } from "../agents/index.js";
import { parseRepoConfig, type RepoConfig } from "./repo-config.js";
import { readRepoConfigText } from "./read-repo-config-text.js";

/** What reading a repository's config and its files needs from the forge. */
export type ConfigReader = Pick<ForgeClient, "readConfig" | "readFile">;

export interface LoadedRepoConfig {
  readonly config: RepoConfig;
  /** Builtins (minus the disabled ones) and the repository's own sentinel files, later wins. */
  readonly rules: RuleSet;
  /** Everything wrong with the config or its sentinel files, for the repository to see. */
  readonly errors: readonly string[];
}

/**
 * Reads the repository's config and sentinel files from its default branch. Nothing here throws
 * for bad content: an invalid config falls back to the defaults and says why; an invalid rule
 * file is skipped and reported. Every file's text goes through the repository-file loader.
 */
export async function loadRepoConfig(forge: ConfigReader): Promise<LoadedRepoConfig> {
  const errors: string[] = [];
  const raw = await forge.readConfig();
  if (raw.error) errors.push(`${raw.path}: ${raw.error}`);
  let config: RepoConfig;
  if (raw.value !== undefined) {
    // GitHub: the config plugin parsed it (it resolves `_extends`); the forge caps its size first.
    const parsed = parseRepoConfig(raw.value, raw.path);
    errors.push(...parsed.errors);
    config = parsed.config;
  } else {
    const read =
      raw.text === null
        ? { config: parseRepoConfig(undefined, raw.path).config, problems: [] }
        : readRepoConfigText(raw.text, raw.path);
    errors.push(...read.problems.map(formatFileProblem));
    config = read.config;
  }

  const builtins = await loadBuiltinRules();
  const disabled = new Set(config.sentinels.disable);
  const sets: RuleSet[] = [{ sentinels: builtins.sentinels.filter((s) => !disabled.has(s.id)), issues: [] }];
  // One budget for all of the repository's patterns, however many files they are spread over.
  const budget = programBudget(MAX_RULES_PROGRAM_SIZE);
  for (const file of config.sentinels.files) {
    const text = await forge.readFile(file);
    if (text === null) {
      errors.push(`${file}: listed in ${raw.path} but not found on the default branch`);
      continue;
    }
    const set = parseRuleText(text, file, { budget });
    errors.push(...set.issues.filter((i) => i.severity === "error").map(formatFileProblem));
    sets.push(set);
  }
  for (const file of config.fix.recipes) {
    const text = await forge.readFile(file);
    if (text === null) errors.push(`${file}: listed in ${raw.path} (fix.recipes) but not found on the default branch`);
    else {
      const loaded = loadRecipe(text, file);
      if ("errors" in loaded) errors.push(...loaded.errors.map(formatFileProblem));
    }
  }
  return { config, rules: mergeRuleSets(...sets), errors };
}
