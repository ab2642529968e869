import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { mkdir, readFile, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { createHash } from "node:crypto";
import { gitEnv, sentinelGit } from "./git-env.js";
import { SentinelError } from "../core/index.js";

export interface Worktree {
  /** The checked-out files: the fixer's working directory and the only place it may write. */
  readonly path: string;
  /** Git's own administrative directory for this worktree, inside the mirror (not in `path`). */
  readonly gitDir: string;
  readonly mirrorDir: string;
  readonly sha: string;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** A fresh worktree at the failing commit, detached; `removeWorktree` deletes it afterwards. */
export async function createWorktree(mirrorDir: string, sha: string, parentDir: string): Promise<Worktree> {
  if (!SHA.test(sha)) throw new SentinelError("E_GIT_REFUSED", `not a commit id: ${JSON.stringify(sha)}`);
  await mkdir(parentDir, { recursive: true });
  const name = `run-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  const dir = path.join(parentDir, name);
  await sentinelGit(mirrorDir, gitEnv()).raw(["worktree", "add", "--detach", "--", dir, sha]);
  return { path: dir, gitDir: path.join(mirrorDir, "worktrees", name), mirrorDir, sha };
}

export async function removeWorktree(wt: Worktree): Promise<void> {
  // The mirror's entry for this worktree is what `git worktree prune` would delete once the folder
  // is gone: deleted here with it, without a git process. An entry somewhere else is git's to prune.
  // (Paths come from the ledger for the janitor: `worktrees/..` would be the mirror itself.)
  const name = path.basename(wt.gitDir);
  const ownEntry = path.dirname(wt.gitDir) === path.join(wt.mirrorDir, "worktrees") && name !== ".." && name !== ".";
  await Promise.all([
    rm(wt.path, { recursive: true, force: true }),
    ownEntry ? rm(wt.gitDir, { recursive: true, force: true }) : null,
  ]);
  if (ownEntry) return;
  // Best effort: a worktree entry left behind is pruned by the next prune, and the folder is gone.
  await sentinelGit(wt.mirrorDir, gitEnv())
    .raw(["worktree", "prune"])
    .catch(() => {});
}

/**
 * A fingerprint of everything in the mirror that could steer git (its config, hooks, info and
 * the worktree's own administrative files). Compared before and after a fixer ran: a fixer that
 * changed any of it is a procedure violation and nothing of its work is used.
 */
export async function gitControlFingerprint(wt: Worktree): Promise<string> {
  const h = createHash("sha256");
  const files = [
    path.join(wt.mirrorDir, "config"),
    path.join(wt.gitDir, "config.worktree"),
    path.join(wt.gitDir, "commondir"),
    path.join(wt.gitDir, "gitdir"),
    path.join(wt.mirrorDir, "info", "attributes"),
  ];
  for (const dir of [path.join(wt.mirrorDir, "hooks"), path.join(wt.gitDir, "hooks")]) {
    // A missing hooks folder or file is part of the fingerprint ("<absent>"), not an error.
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names.sort()) files.push(path.join(dir, n));
  }
  for (const f of files) {
    h.update(f);
    // Absent files are fingerprinted as absent: adding one later changes the fingerprint.
    const content = await readFile(f).catch(() => null);
    const mode = await stat(f)
      .then((s) => s.mode)
      .catch(() => 0); // absent, as above
    h.update(content ?? "<absent>").update(String(mode));
  }
  return h.digest("hex");
}

/**
 * Whether `relative` names a file inside the worktree. A recipe's `requiresFile`/`fileExists`
 * comes from a repository: `../../etc/passwd`, an absolute path or a symlink the repository
 * committed pointing out of the worktree must not let it probe the worker's disk.
 */
export function fileInWorktree(root: string, relative: string): boolean {
  const inside = (p: string, base: string) => p === base || p.startsWith(base + path.sep);
  if (path.isAbsolute(relative)) return false;
  const target = path.resolve(root, relative);
  if (!inside(target, path.resolve(root))) return false;
  try {
    return inside(realpathSync(target), realpathSync(root));
  } catch {
    // No such file (or a dangling link): not a file in the worktree.
    return false;
  }
}
