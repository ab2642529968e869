import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectSandbox, runCommand } from "../../src/sandbox/index.js";
import {
  commitAndPush,
  createWorktree,
  diffStat,
  gitControlFingerprint,
  MirrorCache,
  removeWorktree,
} from "../../src/workspace/index.js";
import { bareRemote, git } from "../support/git-repos.js";
import { startGitHttpServer } from "../../scripts/git-http-server.mjs";

const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));
function scratch(): string {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-ws-"));
  cleanup.push(d);
  return d;
}
const AUTHOR = { name: "sentinel[bot]", email: "sentinel@example.invalid" };

/**
 * A filter driver planted in the mirror's config and applied to every file, as an unsandboxed
 * fixer could; a.txt is changed so there is a fix to stage. Returns the file its command touches.
 */
function plantFilterDriver(gitDir: string, worktree: string): string {
  const marker = path.join(scratch(), "filter-ran");
  writeFileSync(
    path.join(gitDir, "config"),
    readFileSync(path.join(gitDir, "config"), "utf8") + `[filter "evil"]\n\tclean = sh -c 'touch ${marker}; cat'\n`,
  );
  writeFileSync(path.join(worktree, ".gitattributes"), "* filter=evil\n");
  writeFileSync(path.join(worktree, "a.txt"), "fixed\n");
  return marker;
}

/** A remote with `files`, its mirror, and a worktree at its commit. */
async function checkout(files: Readonly<Record<string, string>>) {
  const { root, remote, sha } = bareRemote(files);
  cleanup.push(root);
  const { gitDir } = await new MirrorCache(scratch()).ensure({ url: remote });
  return { remote, gitDir, sha, wt: await createWorktree(gitDir, sha, scratch()) };
}

describe("the mirror cache", () => {
  it("clones once, then fetches", async () => {
    const { root, remote } = bareRemote({ "a.txt": "1\n" });
    cleanup.push(root);
    const cache = new MirrorCache(scratch());
    const first = await cache.ensure({ url: remote });
    const second = await cache.ensure({ url: remote });
    expect([first.cold, second.cold]).toEqual([true, false]);
    expect(first.gitDir).toBe(second.gitDir);
  });

  it("sees commits pushed to the remote since the last fetch", async () => {
    const { root, remote } = bareRemote({ "a.txt": "1\n" });
    cleanup.push(root);
    const cache = new MirrorCache(scratch());
    const { gitDir } = await cache.ensure({ url: remote });
    git(path.join(root, "src"), "commit", "-q", "--allow-empty", "-m", "second");
    git(path.join(root, "src"), "push", "-q", remote, "main");
    await cache.ensure({ url: remote });
    expect(git(gitDir, "log", "--format=%s", "-1", "main")).toBe("second");
  });

  it("fetches nothing when the mirror holds the commit a run needs, and fetches a commit it lacks", async () => {
    const { root, remote, sha } = bareRemote({ "a.txt": "1\n" });
    cleanup.push(root);
    const cache = new MirrorCache(scratch());
    const { gitDir } = await cache.ensure({ url: remote });
    git(path.join(root, "src"), "commit", "-q", "--allow-empty", "-m", "second");
    git(path.join(root, "src"), "push", "-q", remote, "main");
    const second = git(path.join(root, "src"), "rev-parse", "HEAD");
    await cache.ensure({ url: remote }, [], { commit: sha });
    expect(git(gitDir, "rev-parse", "main")).toBe(sha);
    await cache.ensure({ url: remote }, [], { commit: second });
    expect(git(gitDir, "rev-parse", "main")).toBe(second);
  });

  it("fetched ahead with prefetch, answers the run's own ensure for that commit without git", async () => {
    const { root, remote, sha } = bareRemote({ "a.txt": "1\n" });
    cleanup.push(root);
    const cache = new MirrorCache(scratch());
    await cache.prefetch({ url: remote }, sha);
    const gitDir = cache.mirrorDir(remote);
    // Any git call from here on fails: the remote is gone and so is the mirror's object store.
    rmSync(remote, { recursive: true });
    rmSync(path.join(gitDir, "objects"), { recursive: true });
    await expect(cache.ensure({ url: remote }, [], { commit: sha })).resolves.toMatchObject({ gitDir, cold: false });
    // Another cache (another process) has to ask git.
    await expect(new MirrorCache(path.dirname(gitDir)).ensure({ url: remote }, [], { commit: sha })).rejects.toThrow();
  });

  it("still fetches a commit it has not seen", async () => {
    const { root, remote, sha } = bareRemote({ "a.txt": "1\n" });
    cleanup.push(root);
    const cache = new MirrorCache(scratch());
    await cache.prefetch({ url: remote }, sha);
    git(path.join(root, "src"), "commit", "-q", "--allow-empty", "-m", "second");
    git(path.join(root, "src"), "push", "-q", remote, "main");
    const second = git(path.join(root, "src"), "rev-parse", "HEAD");
    const { gitDir } = await cache.ensure({ url: remote }, [], { commit: second });
    expect(git(gitDir, "rev-parse", "main")).toBe(second);
  });

  it("never writes a token into the mirror's config", async () => {
    const root = scratch();
    bareRemote({ "a.txt": "1\n" }, { at: path.join(root, "acme/app.git") });
    const server = await startGitHttpServer({ root, requireAuth: true });
    try {
      const cache = new MirrorCache(scratch());
      const { gitDir } = await cache.ensure({
        url: `${server.origin}/acme/app.git`,
        auth: { token: "ghs_secret_token", user: "x-access-token" },
      });
      expect(readFileSync(path.join(gitDir, "config"), "utf8")).not.toContain("ghs_secret_token");
      expect(
        server.requests.every(
          (r) => r.authorization === `Basic ${Buffer.from("x-access-token:ghs_secret_token").toString("base64")}`,
        ),
      ).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe("a worktree", () => {
  it("is checked out at the failing commit and removed afterwards", async () => {
    const { gitDir, wt } = await checkout({ "src/index.js": "console.log(1)\n" });
    expect(readFileSync(path.join(wt.path, "src/index.js"), "utf8")).toBe("console.log(1)\n");
    await removeWorktree(wt);
    expect(existsSync(wt.path)).toBe(false);
    expect(existsSync(wt.gitDir)).toBe(false);
    expect(git(gitDir, "worktree", "list")).not.toContain(wt.path);
  });

  it("never deletes the mirror when a recorded worktree entry names `worktrees/..`", async () => {
    const { gitDir, wt } = await checkout({ "a.txt": "x\n" });
    await removeWorktree({ ...wt, gitDir: `${gitDir}/worktrees/..` });
    expect(existsSync(wt.path)).toBe(false);
    expect(existsSync(path.join(gitDir, "HEAD"))).toBe(true);
  });

  it("refuses something that is not a commit id", async () => {
    await expect(createWorktree(scratch(), "--upload-pack=evil", scratch())).rejects.toThrow(/not a commit id/);
  });
});

describe("commit and push after a fixer ran", () => {
  it("pushes the fixer's change to a sentinel/ branch with Sentinel as the author", async () => {
    const { remote, wt } = await checkout({ "a.txt": "bad\n" });
    writeFileSync(path.join(wt.path, "a.txt"), "good\n");
    writeFileSync(path.join(wt.path, "new.txt"), "added\n");
    expect(await diffStat(wt)).toEqual({ files: ["a.txt", "new.txt"], linesAdded: 2, linesDeleted: 1 });
    const { commit } = await commitAndPush(wt, {
      branch: "sentinel/fix-lint-abc",
      message: "fix: lint\n\nSentinel-Run: r1",
      author: AUTHOR,
      remote: { url: remote },
    });
    expect(git(remote, "rev-parse", "refs/heads/sentinel/fix-lint-abc")).toBe(commit);
    expect(git(remote, "log", "-1", "--format=%an <%ae>|%s", commit)).toBe(
      "sentinel[bot] <sentinel@example.invalid>|fix: lint",
    );
  });

  it("commits what VERIFY's diff staged, only those paths, and reports the commit it made", async () => {
    const { remote, wt } = await checkout({ "a.txt": "bad\n", "b.txt": "b\n" });
    writeFileSync(path.join(wt.path, "a.txt"), "good\n");
    writeFileSync(path.join(wt.path, "build.out"), "not a fix\n");
    await diffStat(wt, ["a.txt"]);
    const { commit } = await commitAndPush(wt, {
      branch: "sentinel/fix-staged",
      message: "fix",
      author: AUTHOR,
      remote: { url: remote },
      paths: ["a.txt"],
      staged: true,
    });
    expect(commit).not.toBe(wt.sha);
    expect(git(wt.path, "rev-parse", "HEAD")).toBe(commit);
    expect(git(remote, "rev-parse", "refs/heads/sentinel/fix-staged")).toBe(commit);
    expect(git(remote, "show", "--name-only", "--format=", commit)).toBe("a.txt");
  });

  it("refuses a branch outside sentinel/ or shaped like an option", async () => {
    const { remote, wt } = await checkout({ "a.txt": "x\n" });
    for (const branch of ["main", "--force", "sentinel/../main", "sentinel/x.lock"]) {
      await expect(
        commitAndPush(wt, { branch, message: "m", author: AUTHOR, remote: { url: remote } }),
      ).rejects.toThrow(/refusing/);
    }
  });

  it("takes a message that looks like an option as plain text", async () => {
    const { remote, wt } = await checkout({ "a.txt": "x\n" });
    writeFileSync(path.join(wt.path, "a.txt"), "y\n");
    const { commit } = await commitAndPush(wt, {
      branch: "sentinel/opt",
      message: "--amend --author=evil",
      author: AUTHOR,
      remote: { url: remote },
    });
    expect(git(remote, "log", "-1", "--format=%s|%an", commit)).toBe("--amend --author=evil|sentinel[bot]");
  });
});

describe("a malicious fixer", () => {
  // It plants a hook and config in every place git might look: a `.git` of its own in the
  // worktree, and (when no sandbox stops it) the mirror's hooks and config.
  const plant = (marker: string, mirrorDir: string) => `
    set +e
    rm -f .git; mkdir -p .git/hooks
    printf '[core]\\n\\thooksPath = .git/hooks\\n\\tfsmonitor = ./fsmon.sh\\n[user]\\n\\temail = evil@example.invalid\\n' > .git/config
    printf '#!/bin/sh\\ntouch ${marker}\\n' > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit
    printf '#!/bin/sh\\ntouch ${marker}\\n' > fsmon.sh; chmod +x fsmon.sh
    printf '#!/bin/sh\\ntouch ${marker}\\n' > ${mirrorDir}/hooks/pre-push 2>/dev/null; chmod +x ${mirrorDir}/hooks/pre-push 2>/dev/null
    printf '[core]\\n\\thooksPath = /tmp\\n' >> ${mirrorDir}/config 2>/dev/null
    echo fixed > a.txt
    true`;

  it.skipIf(detectSandbox() === "none")(
    "inside the sandbox cannot touch the mirror, and its planted .git steers nothing",
    async () => {
      const { remote, gitDir, wt } = await checkout({ "a.txt": "broken\n" });
      const marker = path.join(scratch(), "hook-ran");
      const before = await gitControlFingerprint(wt);
      await runCommand({
        command: ["sh", "-c", plant(marker, gitDir)],
        workdir: wt.path,
        timeoutMs: 10_000,
        maxOutputBytes: 65536,
        sandbox: "bubblewrap",
      });
      expect(await gitControlFingerprint(wt)).toBe(before);
      const { commit } = await commitAndPush(wt, {
        branch: "sentinel/fix-1",
        message: "fix",
        author: AUTHOR,
        remote: { url: remote },
      });
      expect(existsSync(marker)).toBe(false);
      expect(git(remote, "log", "-1", "--format=%ae", commit)).toBe("sentinel@example.invalid");
      // The planted files are not part of the fix; the .git directory never is.
      expect(git(remote, "show", "--name-only", "--format=", commit).split("\n")).toEqual(["a.txt", "fsmon.sh"]);
    },
  );

  it("without a sandbox is caught changing the mirror, and its hooks still never run", async () => {
    const { remote, gitDir, wt } = await checkout({ "a.txt": "broken\n" });
    const marker = path.join(scratch(), "hook-ran");
    const before = await gitControlFingerprint(wt);
    await runCommand({
      command: ["sh", "-c", plant(marker, gitDir)],
      workdir: wt.path,
      timeoutMs: 10_000,
      maxOutputBytes: 65536,
      sandbox: "none",
    });
    expect(await gitControlFingerprint(wt)).not.toBe(before);
    await commitAndPush(wt, { branch: "sentinel/fix-2", message: "fix", author: AUTHOR, remote: { url: remote } });
    expect(existsSync(marker)).toBe(false);
  });

  // Hooks `--no-verify` does not skip, and an fsmonitor, planted where git really reads them: the
  // mirror's own hooks folder and config, and the worktree's private config. Only Sentinel's git
  // environment stands between them and code execution.
  it("cannot run code through hooks commit and push run, an fsmonitor, or worktree config, even unsandboxed", async () => {
    const { remote, gitDir, wt } = await checkout({ "a.txt": "broken\n" });
    const marker = path.join(scratch(), "ran");
    const script = `#!/bin/sh\necho "$0" >> ${marker}\n`;
    for (const hook of [
      "post-commit",
      "prepare-commit-msg",
      "commit-msg",
      "pre-commit",
      "reference-transaction",
      "pre-push",
      "post-index-change",
      "post-rewrite",
    ]) {
      writeFileSync(path.join(gitDir, "hooks", hook), script, { mode: 0o755 });
    }
    const fsmonitor = path.join(scratch(), "fsmonitor.sh");
    writeFileSync(fsmonitor, script, { mode: 0o755 });
    writeFileSync(
      path.join(gitDir, "config"),
      readFileSync(path.join(gitDir, "config"), "utf8") +
        `[core]\n\tfsmonitor = ${fsmonitor}\n[extensions]\n\tworktreeConfig = true\n`,
    );
    // With per-worktree config on, the mirror's core.bare would reach this worktree; a real attacker sets it back.
    writeFileSync(
      path.join(wt.gitDir, "config.worktree"),
      `[core]\n\tbare = false\n\thooksPath = ${path.join(gitDir, "hooks")}\n\tfsmonitor = ${fsmonitor}\n`,
    );
    // The planted configuration is real: plain git in that worktree runs it.
    writeFileSync(path.join(wt.path, "a.txt"), "fixed\n");
    git(wt.path, "status", "--porcelain");
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);

    const { commit } = await commitAndPush(wt, {
      branch: "sentinel/fix-3",
      message: "fix",
      author: AUTHOR,
      remote: { url: remote },
    });
    expect(git(remote, "rev-parse", "refs/heads/sentinel/fix-3")).toBe(commit);
    expect(existsSync(marker)).toBe(false);
  });

  it("cannot run code through a filter driver when VERIFY measures the diff either", async () => {
    const { gitDir, wt } = await checkout({ "a.txt": "broken\n" });
    const marker = plantFilterDriver(gitDir, wt.path);
    await expect(diffStat(wt, ["a.txt", ".gitattributes"])).rejects.toThrow(/filter\.evil\.clean/);
    expect(existsSync(marker)).toBe(false);
  });

  it("cannot run code through a filter driver: Sentinel refuses to commit when the repository's config defines one", async () => {
    const { remote, gitDir, wt } = await checkout({ "a.txt": "broken\n" });
    const marker = plantFilterDriver(gitDir, wt.path);
    await expect(
      commitAndPush(wt, { branch: "sentinel/fix-4", message: "fix", author: AUTHOR, remote: { url: remote } }),
    ).rejects.toThrow(/filter\.evil\.clean/);
    expect(existsSync(marker)).toBe(false);
    expect(git(remote, "branch", "--list", "sentinel/fix-4")).toBe("");
  });
});
