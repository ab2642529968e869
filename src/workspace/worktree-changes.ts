import { createHash } from "node:crypto";
import { lstat, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { FIXER_HOME, worktreeGit } from "./worktree-git.js";
import { gitEnv } from "./git-env.js";
import type { Worktree } from "./worktree.js";

/** Every path that differs from the commit (changed, deleted or new and not ignored), with a hash of its content now. */
export type WorktreeState = ReadonlyMap<string, string>;

/**
 * What the worktree holds beyond its commit. Taken before and after the fixer runs, the two tell
 * what the fixer changed, apart from what the failing command, an install or VERIFY left behind
 * (a `go build` binary, a coverage file, a lockfile an install touched), which is never a fix.
 */
export async function worktreeState(wt: Worktree): Promise<WorktreeState> {
  const out = await worktreeGit(wt, gitEnv()).raw([
    "status",
    "--porcelain=v1",
    "-z",
    "--untracked-files=all",
    "--no-renames",
    "--",
    ".",
    `:(exclude)${FIXER_HOME}`,
  ]);
  const state = new Map<string, string>();
  // `-z` entries are "XY <path>" with the path unquoted, one per NUL (no renames, so no second path).
  for (const entry of out.split("\0")) {
    if (entry.length < 4) continue;
    const file = entry.slice(3);
    state.set(file, await contentHash(path.join(wt.path, file)));
  }
  return state;
}

/** The paths whose content differs between two states (a path in one only differs too). */
export function changedPaths(before: WorktreeState, after: WorktreeState): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => before.get(p) !== after.get(p)).sort();
}

async function contentHash(file: string): Promise<string> {
  const h = createHash("sha256");
  try {
    const s = await lstat(file);
    if (s.isSymbolicLink()) h.update("link\0").update(await readlink(file));
    else if (s.isFile()) h.update(`file\0${s.mode & 0o111 ? "x" : "-"}\0`).update(await readFile(file));
    else h.update("other");
  } catch {
    // Listed by git but gone now: a deletion, which is a state of its own.
    h.update("deleted");
  }
  return h.digest("hex");
}
