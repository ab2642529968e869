import { lstat, mkdir, readFile, readlink, realpath, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { gitEnv } from "./git-env.js";
import { changedPaths, worktreeState, type WorktreeState } from "./worktree-changes.js";
import { worktreeGit } from "./worktree-git.js";
import type { Worktree } from "./worktree.js";

/** How a path beyond the commit looked: a file's bytes and mode, a link's target, or nothing. */
type SavedPath =
  | { readonly kind: "file"; readonly data: Buffer; readonly executable: boolean }
  | { readonly kind: "link"; readonly target: string }
  | { readonly kind: "absent" };

/** The worktree as it was before a fixer ran: its state, and the content of every path beyond the commit. */
export interface WorktreeSnapshot {
  readonly state: WorktreeState;
  readonly saved: ReadonlyMap<string, SavedPath>;
}

/** What a snapshot keeps in memory at most; a worktree holding more beyond its commit gets none. */
export const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

/**
 * Keeps what the worktree holds beyond its commit (what the failing command and an install left),
 * so that one fixer's change can be taken back before another tries. Paths that match the commit
 * are not kept: git has them. Null when that is more than MAX_SNAPSHOT_BYTES (a build's binaries):
 * the run then cannot set a fixer's change aside, and says so.
 */
export async function snapshotWorktree(wt: Worktree, state: WorktreeState): Promise<WorktreeSnapshot | null> {
  const saved = new Map<string, SavedPath>();
  let bytes = 0;
  for (const file of state.keys()) {
    const full = path.join(wt.path, file);
    // git listed it, and it is gone: a deletion, kept as one.
    const s = await lstat(full).catch(() => null);
    if (!s) saved.set(file, { kind: "absent" });
    else if (s.isSymbolicLink()) saved.set(file, { kind: "link", target: await readlink(full) });
    else if (s.isFile()) {
      bytes += s.size;
      if (bytes > MAX_SNAPSHOT_BYTES) return null;
      saved.set(file, { kind: "file", data: await readFile(full), executable: (s.mode & 0o111) !== 0 });
    } else return null;
  }
  return { state, saved };
}

/**
 * Takes back every change made since the snapshot: a path the snapshot kept gets its content
 * back, any other path its commit's content (or goes, if the commit has none), and the index is
 * the commit's again. True only when the worktree's state is then exactly the snapshot's; a caller
 * must not let another fixer start from anything else.
 */
export async function restoreWorktree(wt: Worktree, snapshot: WorktreeSnapshot): Promise<boolean> {
  const git = worktreeGit(wt, gitEnv());
  const changed = changedPaths(snapshot.state, await worktreeState(wt));
  // A fixer may have staged its change; the index goes back to the commit (worktreeState reads
  // the files, so this alone changes no state).
  await git.raw(["reset", "--quiet"]);
  const fromCommit = changed.filter((p) => !snapshot.saved.has(p));
  const inCommit =
    fromCommit.length === 0
      ? new Set<string>()
      : new Set(
          (await git.raw(["ls-tree", "-r", "-z", "--name-only", "HEAD", "--", ...fromCommit]))
            .split("\0")
            .filter(Boolean),
        );
  const root = await realpath(wt.path);
  for (const file of changed) {
    const full = path.join(wt.path, file);
    // A fixer could have put a link to elsewhere where a folder was: nothing is removed or
    // written through it (its own entry, earlier in the sorted list, removed it already).
    if (!(await parentInside(root, wt.path, file))) return false;
    // Whatever is there now goes first: a fixer may have put a link or a folder where a file was.
    await rm(full, { recursive: true, force: true });
    const was = snapshot.saved.get(file);
    if (!was) continue;
    if (was.kind === "absent") continue;
    await mkdir(path.dirname(full), { recursive: true });
    if (was.kind === "link") await symlink(was.target, full);
    else await writeFile(full, was.data, { mode: was.executable ? 0o755 : 0o644 });
  }
  const restore = [...inCommit];
  if (restore.length > 0) await git.raw(["checkout", "HEAD", "--", ...restore]);
  const now = await worktreeState(wt);
  return changedPaths(snapshot.state, now).length === 0;
}

/** Whether the folder holding `file` resolves inside the worktree (or does not exist yet). */
async function parentInside(root: string, worktree: string, file: string): Promise<boolean> {
  let dir = path.dirname(path.join(worktree, file));
  for (;;) {
    // Not there (yet): its parent decides.
    const real = await realpath(dir).catch(() => null);
    if (real) return real === root || real.startsWith(root + path.sep);
    const up = path.dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}
