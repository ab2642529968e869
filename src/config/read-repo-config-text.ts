import { loadRepositoryYaml, type FileProblem } from "../sentinel/index.js";
import { DEFAULT_REPO_CONFIG, validateRepoConfig, type RepoConfig } from "./repo-config.js";

/**
 * A config file's raw text (GitLab's default branch, any pull request's head) as the config it
 * holds, or the safe defaults and what is wrong with it, each problem with its line. Never throws;
 * the text goes through the repository-file loader first (64 KiB cap, linear YAML checks).
 */
export function readRepoConfigText(text: string, file: string): { config: RepoConfig; problems: FileProblem[] } {
  const loaded = loadRepositoryYaml(text, { file, kind: "config" });
  if ("errors" in loaded) return { config: DEFAULT_REPO_CONFIG, problems: [...loaded.errors] };
  return validateRepoConfig(loaded.value, file, loaded.locate);
}
