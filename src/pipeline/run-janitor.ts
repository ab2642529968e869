import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { RunStore } from "../store/index.js";
import { gitEnv, removeWorktree } from "../workspace/index.js";
import { sentinelGit } from "../workspace/index.js";

// Clean-up after fix runs that did not clean up after themselves: their worker died (killed, evicted,
// a deploy) mid-run, or between recording the run as finished and removing its folder.

/** A dead run's worktree is removed by whoever finds it abandoned (the next run, or the worker's janitor). */
export async function removeDeadRunWorktree(runs: RunStore, deadRunId: string, by: string): Promise<void> {
  const ledger = await runs.ledger(deadRunId);
  if (ledger.some((e) => e.kind === "workspace.removed")) return;
  const reserved = ledger.find((e) => e.kind === "workspace.creating")?.data as
    { dir?: string; mirrorDir?: string } | undefined;
  const entry = ledger.find((e) => e.kind === "workspace.worktree")?.data as
    { path?: string; gitDir?: string; mirrorDir?: string } | undefined;
  if (reserved?.dir && reserved.mirrorDir) {
    // The run's own folder: whatever git got to write in it, finished or not.
    await removeRunDirectory(reserved.dir, reserved.mirrorDir);
    await runs.record(deadRunId, "workspace.removed", { path: entry?.path ?? reserved.dir, by });
  } else if (entry?.path && entry.gitDir && entry.mirrorDir) {
    // Runs from before worktrees had a folder of their own. A worktree already gone is what this wants.
    await removeWorktree({ path: entry.path, gitDir: entry.gitDir, mirrorDir: entry.mirrorDir, sha: "" }).catch(
      () => {},
    );
    await runs.record(deadRunId, "workspace.removed", { path: entry.path, by });
  }
}

/** Run states in which a run may still be using its folder (or will again, once approved). */
const LIVE_STATES = new Set(["running", "waiting", "approved"]);
/** How long after a run finished its folder is left to the run's own clean-up. */
const FINISHED_GRACE_MS = 10_000;

/**
 * The worker's janitor for its own work root: folders of runs that are over. A run removes its
 * folder on the way out, after it is recorded as finished; a worker that dies in between leaves a
 * finished run's folder that nothing else would ever look at again (the run is not dead, it is done).
 * Folders of runs still running, waiting or approved are left alone, and for a few seconds those
 * of runs that just finished; so is anything not named after a run. Returns the folders removed.
 */
export async function removeFinishedRunDirectories(runs: RunStore, workRoot: string): Promise<string[]> {
  // Not logged: a work root that does not exist (yet) has no folders to sweep.
  const names = await readdir(workRoot).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names.filter((n) => /^run_[A-Za-z0-9_]+$/.test(n))) {
    const run = await runs.getRun(name);
    if (!run || LIVE_STATES.has(String(run.status))) continue;
    // A run that just finished is removing its folder itself.
    const finishedAt =
      run.finished_at instanceof Date ? run.finished_at.getTime() : Date.parse(String(run.finished_at ?? ""));
    if (!(Date.now() - finishedAt >= FINISHED_GRACE_MS)) continue;
    const reserved = (await runs.ledger(name)).find((e) => e.kind === "workspace.creating")?.data as
      { dir?: string; mirrorDir?: string } | undefined;
    const dir = path.join(workRoot, name);
    await removeRunDirectory(dir, reserved?.mirrorDir ?? null);
    await runs.record(name, "workspace.removed", { path: dir, by: "janitor", runStatus: String(run.status) });
    removed.push(dir);
  }
  return removed;
}

/**
 * Removes a run's folder and whatever worktree the mirror still registers in it. `git worktree
 * add` locks a worktree ("initializing") until its checkout is done, and prune leaves locked
 * worktrees alone, so one whose creation was cut short is unlocked first.
 */
export async function removeRunDirectory(dir: string, mirrorDir: string | null): Promise<void> {
  // Best effort throughout, not logged: whatever is left is found again by the janitor's next round.
  await rm(dir, { recursive: true, force: true }).catch(() => {});
  if (!mirrorDir) return;
  const git = sentinelGit(mirrorDir, gitEnv());
  const list = await git.raw(["worktree", "list", "--porcelain"]).catch(() => ""); // best effort, as above
  for (const line of list.split("\n")) {
    const at = line.startsWith("worktree ") ? line.slice("worktree ".length) : null;
    if (at && at.startsWith(dir + path.sep)) await git.raw(["worktree", "unlock", at]).catch(() => {}); // best effort
  }
  await git.raw(["worktree", "prune"]).catch(() => {}); // best effort
}

/**
 * The worker's janitor: runs whose heart stopped (their worker died) are marked abandoned and
 * their worktrees removed, whether or not the same failure ever runs again.
 */
export async function abandonDeadRuns(runs: RunStore, staleAfterMs = 60_000): Promise<string[]> {
  const dead = await runs.abandonDeadRuns(staleAfterMs);
  for (const runId of dead) {
    await runs.record(runId, "run.abandoned", { reason: "its worker stopped beating; found by the janitor" });
    await removeDeadRunWorktree(runs, runId, "janitor");
  }
  return dead;
}
