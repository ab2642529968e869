import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { gitEnv, sentinelGit } from "./git-env.js";
import { FIXER_HOME, worktreeGit } from "./worktree-git.js";
import type { GitRemote } from "./git-remote.js";
import type { Worktree } from "./worktree.js";
import { SentinelError } from "../core/index.js";

export interface CommitAndPushOptions {
  readonly branch: string;
  readonly message: string;
  readonly author: { name: string; email: string };
  readonly remote: GitRemote;
}

export interface DiffStat {
  readonly files: readonly string[];
  readonly linesAdded: number;
  readonly linesDeleted: number;
}

const PATHS = ["--", ".", `:(exclude)${FIXER_HOME}`];

/**
 * The pathspec of a fix: the paths the fixer changed (see worktreeState), or everything but the
 * fixer's HOME when the caller tracks none. Null when the fixer changed nothing: then nothing is added.
 */
function fixPathspec(paths: readonly string[] | undefined): string[] | null {
  if (!paths) return PATHS;
  const own = paths.filter((p) => p !== FIXER_HOME && !p.startsWith(`${FIXER_HOME}/`));
  return own.length > 0 ? ["--", ...own.map((p) => `:(literal)${p}`)] : null;
}

/** Stages the fix's paths (deletions included). */
async function stageFix(g: ReturnType<typeof worktreeGit>, paths: readonly string[] | undefined): Promise<void> {
  const spec = fixPathspec(paths);
  if (spec) await g.raw(["add", "--all", ...spec]);
}

/** Sentinel pushes only its own branches. */
const BRANCH = /^sentinel\/[A-Za-z0-9._/-]{1,200}$/;

const git = worktreeGit;

/** What the fixer changed, as git sees it (new files included, `.git` never); only `paths` when given. */
export async function diffStat(wt: Worktree, paths?: readonly string[]): Promise<DiffStat> {
  const g = git(wt, gitEnv());
  // Staging runs a filter driver's clean command: checked here too, before VERIFY's `git add`.
  await refuseCommandDrivers(g);
  await stageFix(g, paths);
  const numstat = await g.raw([
    "diff",
    "--cached",
    "--numstat",
    "--no-renames",
    "--no-ext-diff",
    "--no-textconv",
    "HEAD",
    "--",
  ]);
  let added = 0;
  let deleted = 0;
  const files: string[] = [];
  for (const line of numstat.split("\n").filter(Boolean)) {
    const [a, d, ...rest] = line.split("\t");
    files.push(rest.join("\t"));
    added += a === "-" ? 0 : Number(a);
    deleted += d === "-" ? 0 : Number(d);
  }
  return { files, linesAdded: added, linesDeleted: deleted };
}

/**
 * The fixer's changes as a patch `git apply` takes (binary files included), for a fix that is
 * proposed as text rather than pushed: a fork's, whose code never enters the base repository.
 */
export async function diffPatch(wt: Worktree, paths?: readonly string[]): Promise<string> {
  const g = git(wt, gitEnv());
  await stageFix(g, paths);
  return g.raw(["diff", "--cached", "--binary", "--no-renames", "--no-ext-diff", "--no-textconv", "HEAD", "--"]);
}

/**
 * Commits the fixer's changes and pushes them. Sentinel's own `sentinel/…` branches are
 * force-pushed (each run rebuilds the fix from the failing commit); with `onto`, the commit goes
 * onto someone's pull request branch as a fast-forward only, so a push a human made meanwhile
 * makes ours fail instead of being overwritten.
 */
export async function commitAndPush(
  wt: Worktree,
  o: CommitAndPushOptions & {
    onto?: boolean;
    paths?: readonly string[];
    /** diffStat staged exactly `paths` (checking the config first) and nothing ran in the worktree since. */
    staged?: boolean;
  },
): Promise<{ commit: string }> {
  if (o.onto ? !isSafeBranchName(o.branch) : !isSentinelBranch(o.branch)) {
    throw new SentinelError(
      "E_GIT_REFUSED",
      `refusing to push to ${JSON.stringify(o.branch)}: ${o.onto ? "not a plain branch name" : "Sentinel pushes only sentinel/… branches"}`,
    );
  }
  const env = gitEnv({ remote: o.remote, author: o.author });
  const g = git(wt, env);
  if (!o.staged) {
    await refuseCommandDrivers(g);
    await stageFix(g, o.paths);
  }
  // `-m` takes the next argument as the message whatever it starts with, so it cannot become an option.
  await g.raw(["commit", "--no-verify", "--no-gpg-sign", "--quiet", "-m", o.message]);
  const commit = await detachedHead(wt, g);
  // A repository on this disk (the CLI's local forge) gets no `gc --auto` from our push: git
  // clears our config from the receiving side's environment, so it is given on its command (a
  // fixed string of ours: the argument check refuses the option unless told it is meant).
  const local = path.isAbsolute(o.remote.url);
  await (local ? worktreeGit(wt, env, { receivePack: true }) : g).raw([
    "push",
    ...(o.onto ? [] : ["--force"]),
    ...(local ? ["--receive-pack=git -c receive.autogc=false receive-pack"] : []),
    "--no-verify",
    "--",
    o.remote.url,
    `${commit}:refs/heads/${o.branch}`,
  ]);
  return { commit };
}

/**
 * The commit a worktree's detached HEAD names: its HEAD file holds the id (read here, not by
 * another git process); anything else in it (a symbolic ref) is git's to resolve.
 */
async function detachedHead(wt: Worktree, g: ReturnType<typeof git>): Promise<string> {
  // Unreadable (not where we expect it): rev-parse below answers instead.
  const head = await readFile(path.join(wt.gitDir, "HEAD"), "utf8").catch(() => "");
  if (/^([0-9a-f]{40}|[0-9a-f]{64})\n?$/.test(head) && head.trim() !== wt.sha) return head.trim();
  return (await g.raw(["rev-parse", "--verify", "HEAD^{commit}"])).trim();
}

/**
 * Config keys that make `git add` or `git commit` run a command for files a `.gitattributes`
 * names (filter drivers; diff and merge drivers run for other commands, but no mirror of ours
 * ever has one). Sentinel's mirrors never define these, so one that does was written by someone
 * else: refuse rather than run it. Hooks and fsmonitor are switched off in `gitEnv` instead.
 */
const COMMAND_DRIVER = /^(filter|diff|merge)\..+\.(clean|smudge|process|textconv|command|driver)$/i;

async function refuseCommandDrivers(g: ReturnType<typeof git>): Promise<void> {
  // `git config --list` reads every file git would (includes too); it exits 0 even when empty.
  const keys = (await g.raw(["config", "--list", "--name-only"]))
    .split("\n")
    .filter((k) => COMMAND_DRIVER.test(k.trim()));
  if (keys.length > 0)
    throw new SentinelError(
      "E_GIT_REFUSED",
      `refusing to commit: the repository's git config defines commands git would run on its files (${keys.join(", ")}); Sentinel's mirrors never do, so something planted them`,
    );
}

/** The commit a branch of the remote points at now, or null when it does not exist. */
export async function remoteBranchHead(wt: Worktree, remote: GitRemote, branch: string): Promise<string | null> {
  if (!isSafeBranchName(branch))
    throw new SentinelError("E_GIT_REFUSED", `not a plain branch name: ${JSON.stringify(branch)}`);
  const ref = `refs/heads/${branch}`;
  // A repository on this disk (the CLI's local forge) is read directly: ls-remote would start
  // upload-pack through a shell to list the same refs (about 70 ms, twice a run).
  if (path.isAbsolute(remote.url) && existsSync(remote.url)) {
    const out = await sentinelGit(remote.url, gitEnv({ remote })).raw([
      "for-each-ref",
      "--format=%(objectname)\t%(refname)",
      "--",
      ref,
    ]);
    const line = out.split("\n").find((l) => l.endsWith(`\t${ref}`));
    return line ? (line.split("\t")[0] ?? null) : null;
  }
  const out = await git(wt, gitEnv({ remote })).raw(["ls-remote", "--heads", "--", remote.url, ref]);
  const line = out.split("\n").find((l) => l.endsWith(`\t${ref}`));
  return line ? (line.split("\t")[0] ?? null) : null;
}

export function isSentinelBranch(branch: string): boolean {
  return BRANCH.test(branch) && isSafeBranchName(branch);
}

/**
 * A branch name from a webhook (a pull request's head) is text from elsewhere: only plain names
 * pass, never one that git could read as an option or a revision expression.
 */
export function isSafeBranchName(branch: string): boolean {
  return (
    /^[A-Za-z0-9._/-]{1,250}$/.test(branch) &&
    !branch.startsWith("-") &&
    !branch.startsWith("/") &&
    !branch.endsWith("/") &&
    !branch.endsWith(".lock") &&
    !branch.endsWith(".") &&
    !branch.includes("..") &&
    !branch.includes("//") &&
    !branch.split("/").some((part) => part.startsWith("."))
  );
}
