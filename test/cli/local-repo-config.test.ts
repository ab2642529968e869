import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { localConfigReader } from "../../src/cli/local-repo-config.js";
import { localRepo } from "../support/git-repos.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function reader(files: Record<string, string>) {
  const { dir, sha } = localRepo(files, "sentinel-local-config-");
  dirs.push(dir);
  return localConfigReader(dir, sha);
}

// `sentinel fix` reads the config of the commit it fixes, from GitHub's place or GitLab's, in one git process.
describe("a local repository's Sentinel config", () => {
  it("is read from .github/sentinel.yml when the commit has it, even when it has GitLab's too", async () => {
    const r = reader({ ".github/sentinel.yml": "mode: propose\n", ".gitlab/sentinel.yml": "mode: diagnose\n" });
    expect(await r.readConfig()).toEqual({ path: ".github/sentinel.yml", text: "mode: propose\n" });
  });

  it("is read from .gitlab/sentinel.yml when that is the only one", async () => {
    const r = reader({ "README.md": "x\n", ".gitlab/sentinel.yml": "mode: push\n# é, multi-byte\n" });
    expect(await r.readConfig()).toEqual({ path: ".gitlab/sentinel.yml", text: "mode: push\n# é, multi-byte\n" });
  });

  it("is absent, named by GitHub's path, when the commit has neither", async () => {
    const r = reader({ "README.md": "x\n" });
    expect(await r.readConfig()).toEqual({ path: ".github/sentinel.yml", text: null });
  });

  it("is absent when GitHub's path is a folder, and GitLab's is then read", async () => {
    const r = reader({ ".github/sentinel.yml/inner.yml": "x: 1\n", ".gitlab/sentinel.yml": "mode: propose\n" });
    expect(await r.readConfig()).toEqual({ path: ".gitlab/sentinel.yml", text: "mode: propose\n" });
  });

  it("is an empty text, not an absent one, when the file is empty", async () => {
    const r = reader({ ".github/sentinel.yml": "" });
    expect(await r.readConfig()).toEqual({ path: ".github/sentinel.yml", text: "" });
  });
});
