import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { localFixDeps, runFix, type FixDeps, type FixOutcome } from "../../src/pipeline/index.js";
import { openDatabase, RunStore } from "../../src/store/index.js";
import { bareRemote, git } from "./git-repos.js";

/** What one governed run of the builtin recipes made of a real project's failing check. */
export interface RecipeRun {
  readonly outcome: FixOutcome;
  /** The diagnosis PREFLIGHT made by running the failing command in the worktree. */
  readonly diagnosis: { category: string; tool: string | null; summary: string };
  /** Each planned step's id and exit code, in order. */
  readonly steps: Array<[string, number | null]>;
  /** The VERIFY record: the command, its exit code and what the sentinels made of it. */
  readonly verify: { command: string[]; exitCode: number | null; status: string };
  /** Files the fix branch changes, against the failing commit. */
  readonly changed: string[];
  /** A file's text on the fix branch. */
  show(file: string): string;
  /** The bare repository the fix was pushed to. */
  readonly remote: string;
  readonly sha: string;
}

/** A project of `files` in one commit on main of a real bare remote (its folder is added to `dirs`). */
export function projectRemote(
  files: Readonly<Record<string, string>>,
  dirs: string[],
): { remote: string; sha: string } {
  const { root, remote, sha } = bareRemote(files);
  dirs.push(root);
  return { remote, sha };
}

/**
 * A project a real tool wrote into `dir` (a lockfile from its package manager, a tarball from
 * `npm pack`), committed on main there and cloned into a bare remote beside it.
 */
export function remoteOf(dir: string): { remote: string; sha: string } {
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  const remote = `${dir}.git`;
  git(path.dirname(dir), "clone", "-q", "--bare", dir, remote);
  return { remote, sha: git(dir, "rev-parse", "HEAD") };
}

/**
 * Runs the governed pipeline on a commit of a bare remote exactly as `sentinel fix --command`
 * does: no diagnosis given, so PREFLIGHT runs `failingCommand` in a sandboxed worktree and the
 * builtin sentinels read the real tool's output; then the builtin recipes are chosen from, the
 * chosen one's steps run, VERIFY re-runs the command, and the fix is pushed to the remote. The
 * folders it makes are added to `dirs` for the caller to remove.
 */
export async function runRecipe(
  project: { readonly remote: string; readonly sha: string },
  failingCommand: readonly string[],
  dirs: string[],
  deps: Partial<FixDeps> = {},
): Promise<RecipeRun> {
  const { remote, sha } = project;
  const work = mkdtempSync(path.join(tmpdir(), "sentinel-recipe-"));
  dirs.push(work);
  const db = await openDatabase({});
  const runs = new RunStore(db);
  try {
    const base = await localFixDeps({
      runs,
      repo: remote,
      mirrorsDir: path.join(work, "mirrors"),
      workRoot: path.join(work, "worktrees"),
      dependencyCacheDir: path.join(work, "dependency-cache"),
    });
    const outcome = await runFix(
      { ...base, ...deps },
      { forge: "local", repo: remote, sha, baseBranch: "main", failingCommand },
    );
    const ledger = await runs.ledger(outcome.runId);
    const entry = (kind: string) => ledger.find((e) => e.kind === kind)?.data as Record<string, unknown> | undefined;
    const diagnosis = entry("diagnosis") as RecipeRun["diagnosis"];
    const steps = ledger
      .filter((e) => e.kind === "command")
      .map((e) => [e.data.step, e.data.exitCode] as [string, number | null]);
    const verify = entry("verify") as RecipeRun["verify"];
    const changed = outcome.branch
      ? git(remote, "diff", "--name-only", `${sha}..${outcome.branch}`).split("\n").filter(Boolean)
      : [];
    return {
      outcome,
      diagnosis,
      steps,
      verify,
      changed,
      show: (file) => execFileSync("git", ["show", `${outcome.branch}:${file}`], { cwd: remote, encoding: "utf8" }),
      remote,
      sha,
    };
  } finally {
    await db.close();
  }
}

/** A checkout of the fix branch, to run the real check on what was pushed. */
export function checkoutFix(run: RecipeRun, dirs: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), "sentinel-recipe-fix-"));
  dirs.push(dir);
  rmSync(dir, { recursive: true, force: true });
  git(tmpdir(), "clone", "-q", "--branch", run.outcome.branch as string, run.remote, dir);
  return dir;
}
