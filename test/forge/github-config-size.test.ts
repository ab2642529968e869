import { nock } from "../support/http-mock.js";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { GithubForge } from "../../src/forge/index.js";

const REPO = "Codertocat/Hello-World";

/** The client Sentinel uses, its config plugin included, against a repository whose config is `text`. */
function forgeWithConfig(text: string): GithubForge {
  nock("https://api.github.com")
    .get(`/repos/${REPO}/contents/.github%2Fsentinel.yml`)
    .reply(200, text, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" });
  const octokit = new ProbotOctokit({
    auth: { token: "ghs_config" },
    throttle: { enabled: false },
    retry: { enabled: false },
  });
  return new GithubForge(octokit as never, REPO);
}

describe("reading .github/sentinel.yml through Probot's config plugin", () => {
  it("gives an ordinary config to the plugin to parse", async () => {
    expect(await forgeWithConfig("mode: propose\n").readConfig()).toEqual({
      path: ".github/sentinel.yml",
      text: null,
      value: { mode: "propose" },
    });
  });

  it("refuses a config over 64 KiB before the plugin parses it, whose key check is quadratic", async () => {
    const text = ["mode: propose", ...Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`)].join("\n");
    const read = await forgeWithConfig(text).readConfig();
    expect(read.value).toBeUndefined();
    expect(read.error).toBe(".github/sentinel.yml is larger than 65536 bytes; Sentinel reads configs up to that size");
  });
});
