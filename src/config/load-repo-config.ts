import { parseDocument } from "yaml";
import { duplicateKeys } from "../sentinel/rules/unique-keys.js";
import { MAX_CONFIG_BYTES, type ForgeClient } from "../forge/forge-client.js";
import { loadBuiltinRules, mergeRuleSets, parseRuleText, type RuleSet } from "../sentinel/index.js";
import { parseRecipe } from "../agents/load-recipes.js";
import { parseRepoConfig, type RepoConfig } from "./repo-config.js";

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
 * file is skipped and reported.
 */
export async function loadRepoConfig(forge: ForgeClient): Promise<LoadedRepoConfig> {
  const errors: string[] = [];
  const raw = await forge.readConfig();
  if (raw.error) errors.push(`${raw.path}: ${raw.error}`);
  let value = raw.value;
  if (value === undefined && raw.text !== null && Buffer.byteLength(raw.text, "utf8") > MAX_CONFIG_BYTES) {
    errors.push(`${raw.path} is larger than ${MAX_CONFIG_BYTES} bytes; Sentinel reads configs up to that size`);
  } else if (value === undefined && raw.text !== null) {
    try {
      value = parseConfigYaml(raw.text);
    } catch (error) {
      errors.push(`${raw.path}: not valid YAML (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`);
    }
  }
  const parsed = parseRepoConfig(value, raw.path);
  errors.push(...parsed.errors);
  const config = parsed.config;

  const builtins = await loadBuiltinRules();
  const disabled = new Set(config.sentinels.disable);
  const sets: RuleSet[] = [{ sentinels: builtins.sentinels.filter((s) => !disabled.has(s.id)), issues: [] }];
  for (const file of config.sentinels.files) {
    const text = await forge.readFile(file);
    if (text === null) {
      errors.push(`${file}: listed in ${raw.path} but not found on the default branch`);
      continue;
    }
    const set = parseRuleText(text, file);
    for (const issue of set.issues.filter((i) => i.severity === "error")) errors.push(`${issue.file}${issue.line ? `:${issue.line}` : ""}: ${issue.code}: ${issue.message}`);
    sets.push(set);
  }
  for (const file of config.fix.recipes) {
    const text = await forge.readFile(file);
    if (text === null) errors.push(`${file}: listed in ${raw.path} (fix.recipes) but not found on the default branch`);
    else errors.push(...parseRecipe(text, file).issues);
  }
  return { config, rules: mergeRuleSets(...sets), errors };
}

/** One YAML document as plain data; throws on the first error (a repeated key is one, found in linear time). */
function parseConfigYaml(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const first = doc.errors[0] ?? duplicateKeys(doc)[0];
  if (first) throw new Error(first.message);
  return doc.toJS({ maxAliasCount: 100 });
}
