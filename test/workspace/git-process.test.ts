import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gitProcess } from "../../src/workspace/git-process.js";
import { gitEnv, sentinelGit } from "../../src/workspace/index.js";

/** No config in the environment: only the arguments can be what is refused. */
const plainEnv = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" });

describe("git as a child process", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "git-process-"));
    execFileSync("git", ["init", "-q", dir]);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("resolves with what git printed on stdout", async () => {
    const out = await sentinelGit(dir, gitEnv()).raw(["rev-parse", "--is-inside-work-tree"]);
    expect(out).toBe("true\n");
  });

  it("resolves with an empty string for a command that prints nothing", async () => {
    const out = await sentinelGit(dir, gitEnv()).raw(["for-each-ref", "--", "refs/heads/none"]);
    expect(out).toBe("");
  });

  it("rejects a failing command with E_GIT_FAILED and git's own message", async () => {
    const failed = sentinelGit(dir, gitEnv()).raw(["cat-file", "commit", "0".repeat(40)]);
    await expect(failed).rejects.toMatchObject({ code: "E_GIT_FAILED", message: expect.stringMatching(/fatal/) });
  });

  it("rejects with E_GIT_FAILED when git cannot start in the folder", async () => {
    const failed = sentinelGit(path.join(dir, "missing"), gitEnv()).raw(["status"]);
    await expect(failed).rejects.toMatchObject({ code: "E_GIT_FAILED" });
  });

  it("refuses an option that makes git run a program, before starting git", async () => {
    const refused = gitProcess(dir, plainEnv(), {}).raw(["fetch", "--upload-pack=touch /tmp/pwned", "--", dir]);
    await expect(refused).rejects.toMatchObject({ code: "E_GIT_REFUSED" });
  });

  it("refuses a -c setting that runs a program unless Sentinel allows that kind", async () => {
    const args = ["-c", "core.sshCommand=touch /tmp/pwned", "status"];
    await expect(gitProcess(dir, plainEnv(), {}).raw(args)).rejects.toMatchObject({ code: "E_GIT_REFUSED" });
    await expect(gitProcess(dir, plainEnv(), {}).raw(["status"])).resolves.toBeTypeOf("string");
  });

  it("lets --receive-pack through only where Sentinel asks for it", async () => {
    const args = ["push", "--receive-pack=git receive-pack", "--dry-run", "--", dir, "HEAD:refs/heads/x"];
    await expect(sentinelGit(dir, gitEnv()).raw(args)).rejects.toMatchObject({ code: "E_GIT_REFUSED" });
    // Allowed, it reaches git (which fails here: the repository has no commit to push).
    await expect(sentinelGit(dir, gitEnv(), { receivePack: true }).raw(args)).rejects.toMatchObject({
      code: "E_GIT_FAILED",
    });
  });

  it("runs with Sentinel's own environment, which switches hooks off", async () => {
    const out = await sentinelGit(dir, gitEnv()).raw(["config", "core.hooksPath"]);
    expect(out.trim()).toBe("/dev/null");
  });
});
