import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { failingCommandOfStream, failingScriptCommand } from "../../src/forge/gitlab/failing-command.js";
import { gitlabTrace } from "../support/gitlab-api.js";

const fixture = (name: string) =>
  readFileSync(path.resolve(import.meta.dirname, "../fixtures/ci-logs/gitlab", name), "utf8");

describe("the failing command of a GitLab job trace", () => {
  it("is the last script entry the runner echoed in step_script of a real failed deploy job", () => {
    // ascovale/greedys-api's trace (see test/fixtures/ci-logs/sources.json): the ssh that runs deploy.sh fails.
    expect(failingScriptCommand(fixture("greedys-api-deploy-exit-code-1.log"))).toEqual([
      "sh",
      "-c",
      "ssh -o StrictHostKeyChecking=no -o IdentitiesOnly=yes -i deploy/id_key [MASKED]@\"$SERVER_IP\" 'cd ~/greedys_api/ && chmod +x ./deploy.sh && bash ./deploy.sh'",
    ]);
  });

  it("reads the runner's coloured, timestamped echo of a lint command", () => {
    const trace = gitlabTrace("npm run lint", "/builds/g/p/index.js\n  1:1  error  Unexpected var  no-var\n");
    expect(failingScriptCommand(trace)).toEqual(["sh", "-c", "npm run lint"]);
  });

  it("ignores `$ ` lines outside step_script, such as get_sources' own git commands", () => {
    const trace = fixture("greedys-api-deploy-exit-code-1.log").replace(/section_start:\d+:step_script[^]*$/, "");
    expect(trace).toContain("$ git remote set-url origin");
    expect(failingScriptCommand(trace)).toBeNull();
  });

  it("is none when the last entry is a multi-line command the runner collapsed to its first line", () => {
    // The echo as gitlab-runner's test corpus (helpers/trace/testdata/corpus/log-4) prints it, in step_script.
    const trace = [
      "section_start:1540587195:step_script",
      "$ # checking GPG signing support # collapsed multi-line command",
    ].join("\n");
    expect(failingScriptCommand(trace)).toBeNull();
  });

  it("is the same when the trace arrives in chunks split mid-line and mid-character", async () => {
    const bytes = new TextEncoder().encode(gitlabTrace("npx eslint . # ✓", "boom\n"));
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.slice(i, i + 7);
    }
    expect(await failingCommandOfStream(chunks())).toEqual(["sh", "-c", "npx eslint . # ✓"]);
  });
});
