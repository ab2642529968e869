import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { startGitHttpServer, type GitHttpServer } from "../../scripts/git-http-server.mjs";
import { git, localRepo } from "./git-repos.js";

export interface ForgeGit {
  /** `http://127.0.0.1:<port>`: GITLAB_URL, or GHE_HOST with GHE_PROTOCOL=http. */
  readonly origin: string;
  /** `127.0.0.1:<port>`, for GHE_HOST. */
  readonly host: string;
  /** Every git request with the Authorization header it carried. */
  readonly requests: GitHttpServer["requests"];
  /**
   * A repository at `<origin>/<fullName>.git` with one commit of `files`; `remote` is the bare
   * repository on disk behind it (for inspecting what was pushed).
   */
  repo(fullName: string, files: Readonly<Record<string, string>>): { remote: string; sha: string };
  /** Where the bare repository served as `fullName` goes (emptied), for bareRemote's `at`. */
  path(fullName: string): string;
  /** Serves a copy of an existing repository as `fullName`; returns the bare copy's path. */
  serve(fullName: string, gitDir: string): string;
}

/**
 * The git side of a forge for one test file: a real smart-HTTP server (git http-backend) on
 * loopback that serves bare repositories from disk and requires credentials, as GitHub and
 * GitLab do. Sentinel builds fix remotes from the configured forge origin, so tests point
 * GHE_HOST or GITLAB_URL here; nock answers the same origin's /api paths.
 */
export async function forgeGit(): Promise<ForgeGit> {
  const started = await startForgeGit();
  afterAll(() => started.close());
  return started;
}

/** The same, outside vitest (bench:attacks): the caller closes it. */
export async function startForgeGit(): Promise<ForgeGit & { close(): Promise<void> }> {
  const root = mkdtempSync(path.join(tmpdir(), "sentinel-forge-git-"));
  const server = await startGitHttpServer({ root, requireAuth: true });
  const close = async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  };
  // A repository placed again (the next service stack's run of the same scenario) replaces the first.
  const place = (fullName: string) => {
    const target = path.join(root, `${fullName}.git`);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(path.dirname(target), { recursive: true });
    return target;
  };
  return {
    close,
    origin: server.origin,
    host: new URL(server.origin).host,
    requests: server.requests,
    repo(fullName, files) {
      const work = localRepo(files);
      const remote = place(fullName);
      git(work.dir, "clone", "-q", "--bare", work.dir, remote);
      rmSync(work.dir, { recursive: true, force: true });
      return { remote, sha: work.sha };
    },
    path: place,
    serve(fullName, gitDir) {
      const remote = place(fullName);
      git(path.dirname(remote), "clone", "-q", "--bare", gitDir, remote);
      return remote;
    },
  };
}
