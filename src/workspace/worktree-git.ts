import { sentinelGit } from "./git-env.js";
import type { Worktree } from "./worktree.js";

/** The fixer's HOME lives beside the worktree; a folder of this name in it is never part of a fix. */
export const FIXER_HOME = ".sentinel-home";

/**
 * Git for a worktree a fixer has touched. The administrative directory is named explicitly
 * (never discovered from the worktree, where a fixer could plant a `.git` of its own), hooks and
 * fsmonitor are forced off, and no text from the repository or a webhook becomes an option:
 * paths follow `--`, a message is the value of `-m`, a branch is checked against a strict form.
 */
export function worktreeGit(wt: Worktree, env: Record<string, string>, o: { receivePack?: boolean } = {}) {
  return sentinelGit(wt.path, { ...env, GIT_DIR: wt.gitDir, GIT_WORK_TREE: wt.path }, o);
}
