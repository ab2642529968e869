import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { existsSync, lstatSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createWorktree,
  MAX_SNAPSHOT_BYTES,
  MirrorCache,
  restoreWorktree,
  snapshotWorktree,
  worktreeState,
} from "../../src/workspace/index.js";
import { bareRemote, git } from "../support/git-repos.js";

const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));
function scratch(): string {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-snap-"));
  cleanup.push(d);
  return d;
}

async function checkout(files: Readonly<Record<string, string>>) {
  const { root, remote, sha } = bareRemote(files);
  cleanup.push(root);
  const { gitDir } = await new MirrorCache(scratch()).ensure({ url: remote });
  return createWorktree(gitDir, sha, scratch());
}

describe("setting a fixer's change aside", () => {
  it("brings back what the install left and the commit's files, and removes what the fixer added", async () => {
    const wt = await checkout({ "src/a.js": "a\n", "package-lock.json": "{}\n", "run.sh": "echo\n" });
    // What the failing command and an install left before the fixer ran.
    writeFileSync(path.join(wt.path, "package-lock.json"), '{"lockfileVersion":3}\n');
    writeFileSync(path.join(wt.path, "build.log"), "built\n");
    const snapshot = await snapshotWorktree(wt, await worktreeState(wt));
    expect(snapshot).not.toBeNull();
    // The fixer: edits a file, deletes one, adds one, staged, and rewrites what the install left.
    writeFileSync(path.join(wt.path, "src/a.js"), "b\n");
    rmSync(path.join(wt.path, "run.sh"));
    mkdirSync(path.join(wt.path, "src/new"));
    writeFileSync(path.join(wt.path, "src/new/b.js"), "new\n");
    writeFileSync(path.join(wt.path, "package-lock.json"), "{}\n");
    rmSync(path.join(wt.path, "build.log"));
    git(wt.path, "--git-dir", wt.gitDir, "--work-tree", wt.path, "add", "-A");

    expect(await restoreWorktree(wt, snapshot!)).toBe(true);
    expect(readFileSync(path.join(wt.path, "src/a.js"), "utf8")).toBe("a\n");
    expect(readFileSync(path.join(wt.path, "run.sh"), "utf8")).toBe("echo\n");
    expect(existsSync(path.join(wt.path, "src/new/b.js"))).toBe(false);
    expect(readFileSync(path.join(wt.path, "package-lock.json"), "utf8")).toBe('{"lockfileVersion":3}\n');
    expect(readFileSync(path.join(wt.path, "build.log"), "utf8")).toBe("built\n");
    expect(git(wt.path, "--git-dir", wt.gitDir, "--work-tree", wt.path, "diff", "--cached", "--name-only")).toBe("");
  });

  it("keeps a file's executable bit and a link's target", async () => {
    const wt = await checkout({ "tool.sh": "echo\n" });
    chmodSync(path.join(wt.path, "tool.sh"), 0o755);
    symlinkSync("tool.sh", path.join(wt.path, "alias.sh"));
    const snapshot = await snapshotWorktree(wt, await worktreeState(wt));
    chmodSync(path.join(wt.path, "tool.sh"), 0o644);
    rmSync(path.join(wt.path, "alias.sh"));
    writeFileSync(path.join(wt.path, "alias.sh"), "not a link\n");

    expect(await restoreWorktree(wt, snapshot!)).toBe(true);
    expect(statSync(path.join(wt.path, "tool.sh")).mode & 0o111).not.toBe(0);
    expect(lstatSync(path.join(wt.path, "alias.sh")).isSymbolicLink()).toBe(true);
  });

  it("writes nothing through a link a fixer put where a folder was", async () => {
    const outside = scratch();
    writeFileSync(path.join(outside, "keep.txt"), "mine\n");
    const wt = await checkout({ "lib/keep.txt": "theirs\n" });
    const snapshot = await snapshotWorktree(wt, await worktreeState(wt));
    rmSync(path.join(wt.path, "lib"), { recursive: true });
    symlinkSync(outside, path.join(wt.path, "lib"));

    expect(await restoreWorktree(wt, snapshot!)).toBe(true);
    expect(readFileSync(path.join(outside, "keep.txt"), "utf8")).toBe("mine\n");
    expect(lstatSync(path.join(wt.path, "lib")).isDirectory()).toBe(true);
    expect(readFileSync(path.join(wt.path, "lib/keep.txt"), "utf8")).toBe("theirs\n");
  });

  it("keeps no snapshot of a worktree holding more than it may keep beyond its commit", async () => {
    const wt = await checkout({ "a.txt": "a\n" });
    writeFileSync(path.join(wt.path, "big.bin"), Buffer.alloc(MAX_SNAPSHOT_BYTES + 1));
    expect(await snapshotWorktree(wt, await worktreeState(wt))).toBeNull();
  });
});
