import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { KeyedMutex } from "../core/index.js";
import { gitEnv, sentinelGit, withoutCredentials } from "./git-env.js";
import type { GitRemote } from "./git-remote.js";
import { SentinelError } from "../core/index.js";

export interface Mirror {
  readonly gitDir: string;
  /** Whether this call had to clone (cold) rather than fetch (warm). */
  readonly cold: boolean;
  readonly durationMs: number;
}

/**
 * A bare mirror per repository, cloned once and fetched on each job. Runs get worktrees from it,
 * so a warm run pays for a fetch, not a clone. Calls for one repository are serialised.
 */
export class MirrorCache {
  private readonly locks = new KeyedMutex();
  /**
   * Commits this cache found in a mirror, with when: the next run of the same commit within
   * RECENT_MS skips asking git (a process) again. Objects stay in a mirror far longer (git keeps
   * unreachable ones two weeks), so the answer cannot go stale in that time.
   */
  private readonly recent = new Map<string, number>();

  constructor(readonly root: string) {}

  mirrorDir(remoteUrl: string): string {
    const clean = withoutCredentials(remoteUrl);
    return path.join(this.root, `${createHash("sha256").update(clean).digest("hex").slice(0, 20)}.git`);
  }

  /**
   * Clones or fetches the mirror. `extraRefs` are refspecs Sentinel builds itself (a pull
   * request's head, for fork pull requests whose commits are on no branch), never text from a
   * webhook.
   */
  async ensure(
    remote: GitRemote,
    extraRefs: readonly string[] = [],
    o: { readonly commit?: string } = {},
  ): Promise<Mirror> {
    const url = remote.url;
    const gitDir = this.mirrorDir(url);
    return this.locks.run(gitDir, async () => {
      const started = Date.now();
      const env = gitEnv({ remote });
      const done = (cold: boolean): Mirror => ({ gitDir, cold, durationMs: Date.now() - started });
      if (existsSync(path.join(gitDir, "HEAD"))) {
        // The commit a run needs is there already (a retry, the next failure of the same push):
        // nothing to fetch for it. Its content is its id, so an older mirror holds the same tree.
        const known = o.commit && extraRefs.length === 0 ? `${gitDir}\0${o.commit}` : null;
        if (known && started - (this.recent.get(known) ?? -Infinity) < RECENT_MS) return done(false);
        if (known && (await hasCommit(gitDir, env, o.commit as string))) {
          this.remember(known, started);
          return done(false);
        }
        await sentinelGit(gitDir, env).raw([
          "fetch",
          "--prune",
          "--no-tags",
          "--",
          url,
          "+refs/heads/*:refs/heads/*",
          ...extraRefs,
        ]);
        return done(false);
      }
      await mkdir(this.root, { recursive: true });
      await rm(gitDir, { recursive: true, force: true });
      try {
        await sentinelGit(this.root, env).raw(["clone", "--bare", "--no-tags", "--", url, gitDir]);
      } catch (error) {
        await rm(gitDir, { recursive: true, force: true });
        throw new SentinelError(
          "E_GIT_CLONE",
          `could not clone ${url}: ${firstLine(error)}; check the repository exists and the token can read it`,
        );
      }
      if (extraRefs.length > 0) await sentinelGit(gitDir, env).raw(["fetch", "--no-tags", "--", url, ...extraRefs]);
      return done(true);
    });
  }

  /**
   * ensure() ahead of the run that needs the commit (`sentinel fix` starts it while its pipeline
   * loads): the fetch overlaps the load, and the run's own ensure() then asks git nothing.
   */
  async prefetch(remote: GitRemote, commit: string): Promise<void> {
    await this.ensure(remote, [], { commit });
    // Fetched, or cloned: the second call checks the commit arrived, and remembers it.
    await this.ensure(remote, [], { commit });
  }

  private remember(key: string, at: number): void {
    this.recent.delete(key);
    this.recent.set(key, at);
    // A worker sees many commits: the oldest answers go first.
    if (this.recent.size > MAX_RECENT) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** Fetches refspecs Sentinel built (a fork pull request's head, after the policy allowed it) into the mirror. */
  async fetchRefs(remote: GitRemote, refs: readonly string[]): Promise<void> {
    if (refs.length === 0) return;
    const gitDir = this.mirrorDir(remote.url);
    await this.locks.run(gitDir, () =>
      sentinelGit(gitDir, gitEnv({ remote })).raw(["fetch", "--no-tags", "--", remote.url, ...refs]),
    );
  }
}

/** How long a commit found in a mirror is taken to be there without asking git again. */
const RECENT_MS = 10 * 60_000;
const MAX_RECENT = 256;

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n").find((l) => l.trim()) ?? "unknown error";
}

async function hasCommit(gitDir: string, env: Record<string, string>, commit: string): Promise<boolean> {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) return false;
  try {
    await sentinelGit(gitDir, env).raw(["cat-file", "-e", `${commit}^{commit}`]);
    return true;
  } catch {
    // Not in the mirror (or not a commit): fetched as usual.
    return false;
  }
}
