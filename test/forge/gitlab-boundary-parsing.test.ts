import { readFileSync } from "node:fs";
import path from "node:path";
import { nock } from "../support/http-mock.js";
import { describe, expect, it } from "vitest";
import { isSentinelError } from "../../src/core/index.js";
import { GitlabForge, readGitlabEvent } from "../../src/forge/index.js";

// GitLab's documented hook payloads (see fixtures/gitlab-hooks/sources.json), edited per case.
const hook = (name: string) =>
  JSON.parse(
    readFileSync(path.resolve(import.meta.dirname, `../fixtures/gitlab-hooks/${name}.json`), "utf8"),
  ) as Record<string, unknown>;

const failedJob = () => ({ ...hook("job-event"), build_status: "failed" });

describe("GitLab hooks are parsed at the edge", () => {
  it("reads GitLab's documented job hook, failed, as a failure", () => {
    const items = readGitlabEvent("Job Hook", failedJob());
    expect(items.map((i) => i.kind)).toEqual(["outcome", "failure"]);
  });

  it("ignores a job hook whose job id is not a number, naming the field", () => {
    const [item] = readGitlabEvent("Job Hook", { ...failedJob(), build_id: "1977; DROP" });
    expect(item).toEqual({
      kind: "ignore",
      reason: expect.stringMatching(/^Job Hook payload not understood: build_id:/),
    });
  });

  it("ignores a job hook whose commit is not a sha, so no failure is recorded against it", () => {
    const [item] = readGitlabEvent("Job Hook", { ...failedJob(), sha: "../../etc" });
    expect(item).toMatchObject({ kind: "ignore", reason: expect.stringContaining("sha:") });
  });

  it("ignores a pipeline hook without its project", () => {
    const { project: _dropped, ...rest } = hook("pipeline-event");
    const [item] = readGitlabEvent("Pipeline Hook", {
      ...rest,
      object_attributes: { ...(rest.object_attributes as object), status: "failed" },
    });
    expect(item).toMatchObject({ kind: "ignore", reason: expect.stringContaining("project:") });
  });

  it("ignores a merge request hook whose iid is text", () => {
    const mr = hook("merge-request-event");
    const [item] = readGitlabEvent("Merge Request Hook", {
      ...mr,
      object_attributes: { ...(mr.object_attributes as object), iid: "1" },
    });
    expect(item).toMatchObject({ kind: "ignore", reason: expect.stringContaining("object_attributes.iid:") });
  });

  it("keeps fields GitLab adds that Sentinel does not read", () => {
    const items = readGitlabEvent("Job Hook", { ...failedJob(), a_field_from_gitlab_99: { nested: true } });
    expect(items.map((i) => i.kind)).toEqual(["outcome", "failure"]);
  });
});

describe("GitLab API answers are parsed at the edge", () => {
  const GITLAB = "https://gitlab.example.invalid";

  it("reports an answer that is not the project (a proxy's page) as E_FORGE_RESPONSE, naming the request", async () => {
    nock(GITLAB).get("/api/v4/projects/7").reply(200, { message: "welcome to the proxy" });
    const forge = await GitlabForge.connect({ baseUrl: GITLAB, token: "glpat-x" }, "7", "group/project");
    const error = await forge.confirmProject().catch((e: unknown) => e);
    expect(isSentinelError(error) && error.code).toBe("E_FORGE_RESPONSE");
    expect((error as Error).message).toMatch(/reading project 7 .*path_with_namespace/);
  });

  it("reports a list answer whose items lack their id as E_FORGE_RESPONSE", async () => {
    nock(GITLAB)
      .get("/api/v4/projects/7/pipelines/3/jobs")
      .query(true)
      .reply(200, [{ name: "lint", status: "failed" }]);
    const forge = await GitlabForge.connect({ baseUrl: GITLAB, token: "glpat-x" }, "7", "group/project");
    const error = await forge.failedJobsOf("pipeline", "3").catch((e: unknown) => e);
    expect(isSentinelError(error) && error.code).toBe("E_FORGE_RESPONSE");
    expect((error as Error).message).toContain("listing the failed jobs of pipeline 3");
  });
});
