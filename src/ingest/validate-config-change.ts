import { loadRepoConfig, readRepoConfigText, type ConfigReader } from "../config/index.js";
import { CONFIG_NOTE_MARKER, type Annotation, type ForgeClient } from "../forge/index.js";
import { forgeAdapter } from "../forge/index.js";
import { loadRecipe } from "../agents/index.js";
import { MAX_RULES_PROGRAM_SIZE, parseRuleText, programBudget } from "../sentinel/index.js";
import type { IngestItem } from "../core/index.js";
import type { WorkerDeps } from "./worker-deps.js";

export const CONFIG_CHECK_NAME = "Sentinel config";
const RULE_DIRS = [".github/sentinels/", ".gitlab/sentinels/"];
const MAX_CHECKED_RULE_FILES = 20;

/** One thing wrong with a file at the pull request's head, as its check shows it. */
export interface HeadProblem {
  readonly path: string;
  readonly line?: number;
  readonly message: string;
  readonly severity: "error" | "warning";
}

/** What the check needs from the forge: the default branch's files, the PR's changes, its head's files. */
export type HeadFileReader = ConfigReader & Pick<ForgeClient, "configPath" | "changedFiles">;

/**
 * Validates the Sentinel files a pull request changes, at its head, exactly as the default
 * branch's are read once merged: every file through the repository-file loader (size caps,
 * linear YAML checks), rule files under the repository rules (literal, instruction caps).
 */
export async function checkHeadFiles(
  forge: HeadFileReader,
  prNumber: number,
  headSha: string,
): Promise<{ checked: string[]; problems: HeadProblem[] }> {
  const changed = await forge.changedFiles(prNumber);
  const onDefault = await loadRepoConfig(forge);
  const headConfigText = changed.includes(forge.configPath) ? await forge.readFile(forge.configPath, headSha) : null;

  const problems: HeadProblem[] = [];
  let headFiles: string[] = onDefault.config.sentinels.files;
  let headRecipes: string[] = onDefault.config.fix.recipes;
  if (headConfigText !== null) {
    const read = readRepoConfigText(headConfigText, forge.configPath);
    for (const p of read.problems)
      problems.push({
        path: forge.configPath,
        ...(p.line ? { line: p.line } : {}),
        message: `${p.code}: ${p.message}`,
        severity: "error",
      });
    if (read.problems.length === 0) {
      headFiles = read.config.sentinels.files;
      headRecipes = read.config.fix.recipes;
    }
  }
  const candidates = changed.filter(
    (p) =>
      headFiles.includes(p) ||
      onDefault.config.sentinels.files.includes(p) ||
      (RULE_DIRS.some((d) => p.startsWith(d)) && /\.(ya?ml|json)$/.test(p)),
  );
  // A config lists at most 20 rule files; a pull request adding thousands under the rule folders
  // gets the first ones checked and a note, not thousands of files parsed.
  const ruleFiles = candidates.slice(0, MAX_CHECKED_RULE_FILES);
  if (candidates.length > ruleFiles.length) {
    const left = candidates.length - ruleFiles.length;
    problems.push({
      path: candidates[ruleFiles.length] as string,
      message: `${left} more changed rule file${left === 1 ? "" : "s"} not checked: Sentinel checks ${MAX_CHECKED_RULE_FILES} per pull request, as many as a config may list.`,
      severity: "warning",
    });
  }
  const recipeFiles = changed.filter((p) => headRecipes.includes(p) || onDefault.config.fix.recipes.includes(p));
  const checked = [...(headConfigText !== null ? [forge.configPath] : []), ...ruleFiles, ...recipeFiles];

  // The changed rule files share one budget, as the repository's files do once merged.
  const budget = programBudget(MAX_RULES_PROGRAM_SIZE);
  for (const path of ruleFiles) {
    const text = await forge.readFile(path, headSha);
    if (text === null) continue;
    for (const issue of parseRuleText(text, path, { budget }).issues) {
      problems.push({
        path,
        ...(issue.line ? { line: issue.line } : {}),
        message: `${issue.code}: ${issue.message}`,
        severity: issue.severity === "error" ? "error" : "warning",
      });
    }
  }
  for (const path of recipeFiles) {
    const text = await forge.readFile(path, headSha);
    if (text === null) continue;
    const loaded = loadRecipe(text, path);
    if ("errors" in loaded)
      for (const e of loaded.errors)
        problems.push({
          path,
          ...(e.line ? { line: e.line } : {}),
          message: `${e.code}: ${e.message}`,
          severity: "error",
        });
  }
  return { checked, problems };
}

/**
 * A pull request that changes Sentinel's config or rule files cannot change what Sentinel does
 * (that is read from the default branch), but its author should know before merging whether the
 * files are valid: they are validated at the PR's head and the result is reported on it.
 */
export async function validateConfigChange(
  deps: WorkerDeps,
  item: Extract<IngestItem, { kind: "validate-config" }>,
): Promise<string> {
  const forge = await deps.forges.client({
    forge: item.forge,
    repo: item.repo,
    repoId: item.repoId,
    installationId: item.installationId,
  });
  const { checked, problems } = await checkHeadFiles(forge, item.prNumber, item.headSha);
  if (checked.length === 0) return "pull request does not change Sentinel's files";

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
  const known = await deps.store.pullRequests.commitReport(item.forge, item.repo, key);
  const { id } = await forge.publishReport(
    {
      sha: item.headSha,
      name: CONFIG_CHECK_NAME,
      conclusion: errors.length > 0 ? "failure" : "success",
      title:
        errors.length > 0
          ? `${errors.length} error${errors.length === 1 ? "" : "s"} in Sentinel's files`
          : "Sentinel's files are valid",
      summary,
      annotations,
    },
    known,
  );
  await deps.store.pullRequests.setCommitReport(item.forge, item.repo, key, id);
  if (forgeAdapter(forge.forge).configFindingsInNote)
    await noteOnMergeRequest(deps, forge, item, summary, problems.length);
  return `validated ${checked.length} file(s): ${errors.length} error(s)`;
}

/**
 * GitLab's commit status has room for a title only, so the files and lines go in one note on the
 * merge request, edited as new commits are checked: written when there are problems, and kept up
 * to date (saying all is valid) once a note exists, never posted just to say nothing is wrong.
 */
async function noteOnMergeRequest(
  deps: WorkerDeps,
  forge: ForgeClient,
  item: Extract<IngestItem, { kind: "validate-config" }>,
  summary: string,
  problems: number,
): Promise<void> {
  const key = `mr-${item.prNumber}#config-note`;
  const known = await deps.store.pullRequests.commitReport(item.forge, item.repo, key);
  if (problems === 0 && !known) return;
  const id = await forge.upsertStickyComment(
    item.prNumber,
    `**${CONFIG_CHECK_NAME}**\n\n${summary}`,
    known,
    CONFIG_NOTE_MARKER,
  );
  await deps.store.pullRequests.setCommitReport(item.forge, item.repo, key, id);
}
