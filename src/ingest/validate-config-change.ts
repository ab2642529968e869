import { parse as parseYaml } from "yaml";
import { loadRepoConfig, parseRepoConfig } from "../config/index.js";
import { CONFIG_NOTE_MARKER, type Annotation, type ForgeClient } from "../forge/forge-client.js";
import { parseRecipe } from "../agents/load-recipes.js";
import { parseRuleText } from "../sentinel/index.js";
import type { IngestItem } from "./ingest-item.js";
import type { WorkerDeps } from "./process-delivery.js";

export const CONFIG_CHECK_NAME = "Sentinel config";
const RULE_DIRS = [".github/sentinels/", ".gitlab/sentinels/"];

/**
 * A pull request that changes Sentinel's config or rule files cannot change what Sentinel does
 * (that is read from the default branch), but its author should know before merging whether the
 * files are valid: they are validated at the PR's head and the result is reported on it.
 */
export async function validateConfigChange(deps: WorkerDeps, item: Extract<IngestItem, { kind: "validate-config" }>): Promise<string> {
  const forge = await deps.forges.client({ forge: item.forge, repo: item.repo, repoId: item.repoId, installationId: item.installationId });
  const changed = await forge.changedFiles(item.prNumber);
  const onDefault = await loadRepoConfig(forge);
  const headConfigText = changed.includes(forge.configPath) ? await forge.readFile(forge.configPath, item.headSha) : null;

  const problems: Array<{ path: string; line?: number; message: string; severity: "error" | "warning" }> = [];
  let headFiles: string[] = onDefault.config.sentinels.files;
  let headRecipes: string[] = onDefault.config.fix.recipes;
  if (headConfigText !== null) {
    let value: unknown;
    try {
      value = parseYaml(headConfigText, { maxAliasCount: 100 });
    } catch (error) {
      problems.push({ path: forge.configPath, message: `not valid YAML: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`, severity: "error" });
    }
    const parsed = parseRepoConfig(value, forge.configPath);
    for (const e of parsed.errors) problems.push({ path: forge.configPath, message: e.replace(`${forge.configPath}: `, ""), severity: "error" });
    if (parsed.errors.length === 0) {
      headFiles = parsed.config.sentinels.files;
      headRecipes = parsed.config.fix.recipes;
    }
  }
  const ruleFiles = changed.filter((p) => headFiles.includes(p) || onDefault.config.sentinels.files.includes(p) || (RULE_DIRS.some((d) => p.startsWith(d)) && /\.(ya?ml|json)$/.test(p)));
  const recipeFiles = changed.filter((p) => headRecipes.includes(p) || onDefault.config.fix.recipes.includes(p));
  const checked = [...(headConfigText !== null ? [forge.configPath] : []), ...ruleFiles, ...recipeFiles];
  if (checked.length === 0) return "pull request does not change Sentinel's files";

  for (const path of ruleFiles) {
    const text = await forge.readFile(path, item.headSha);
    if (text === null) continue;
    for (const issue of parseRuleText(text, path).issues) {
      problems.push({ path, ...(issue.line ? { line: issue.line } : {}), message: `${issue.code}: ${issue.message}`, severity: issue.severity === "error" ? "error" : "warning" });
    }
  }
  for (const path of recipeFiles) {
    const text = await forge.readFile(path, item.headSha);
    if (text === null) continue;
    for (const issue of parseRecipe(text, path).issues) problems.push({ path, message: issue.replace(`${path}: `, ""), severity: "error" });
  }
  const errors = problems.filter((p) => p.severity === "error");
  const annotations: Annotation[] = problems.map((p) => ({
    path: p.path,
    startLine: p.line ?? 1,
    endLine: p.line ?? 1,
    level: p.severity === "error" ? "failure" : "warning",
    message: p.message,
    title: CONFIG_CHECK_NAME,
  }));
  const summary = [
    `Checked at ${item.headSha.slice(0, 7)}: ${checked.map((p) => `\`${p}\``).join(", ")}.`,
    "",
    errors.length === 0
      ? "All valid. They take effect once merged into the default branch."
      : `${errors.length} error${errors.length === 1 ? "" : "s"}: merged as they are, Sentinel would ignore the invalid parts and say so on every failure.`,
    "",
    ...problems.map((p) => `- \`${p.path}${p.line ? `:${p.line}` : ""}\` ${p.severity}: ${p.message}`),
  ].join("\n");
  const key = `${item.headSha}#config`;
  const known = await deps.store.getCommitReport(item.forge, item.repo, key);
  const { id } = await forge.publishReport(
    {
      sha: item.headSha,
      name: CONFIG_CHECK_NAME,
      conclusion: errors.length > 0 ? "failure" : "success",
      title: errors.length > 0 ? `${errors.length} error${errors.length === 1 ? "" : "s"} in Sentinel's files` : "Sentinel's files are valid",
      summary,
      annotations,
    },
    known,
  );
  await deps.store.setCommitReport(item.forge, item.repo, key, id);
  if (forge.forge === "gitlab") await noteOnMergeRequest(deps, forge, item, summary, problems.length);
  return `validated ${checked.length} file(s): ${errors.length} error(s)`;
}

/**
 * GitLab's commit status has room for a title only, so the files and lines go in one note on the
 * merge request, edited as new commits are checked: written when there are problems, and kept up
 * to date (saying all is valid) once a note exists, never posted just to say nothing is wrong.
 */
async function noteOnMergeRequest(deps: WorkerDeps, forge: ForgeClient, item: Extract<IngestItem, { kind: "validate-config" }>, summary: string, problems: number): Promise<void> {
  const key = `mr-${item.prNumber}#config-note`;
  const known = await deps.store.getCommitReport(item.forge, item.repo, key);
  if (problems === 0 && !known) return;
  const id = await forge.upsertStickyComment(item.prNumber, `**${CONFIG_CHECK_NAME}**\n\n${summary}`, known, CONFIG_NOTE_MARKER);
  await deps.store.setCommitReport(item.forge, item.repo, key, id);
}
