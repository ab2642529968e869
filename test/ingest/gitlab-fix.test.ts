import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../support/git-repos.js";
import { forgeGit } from "../support/forge-git.js";
import { fakeGitlab, gitlabTrace } from "../support/gitlab-api.js";
import { runningApp } from "../support/running-app.js";
import { SERVICE_STACKS } from "../support/services.js";
import { hasCargoFmt } from "../support/toolchains.js";

const SECRET = "gitlab-fix-secret";
// Self-managed GitLab on loopback: git over HTTP from disk, the REST API from nock.
const forge = await forgeGit();
const GITLAB = forge.origin;

// What `cargo fmt --all --check` printed for this crate in a GitLab job.
const RUSTFMT_OUTPUT = `Diff in /builds/gitlab-org/gitlab-test/src/main.rs:1:
-fn main(){let x=1;println!("{}",x);}
+fn main() {
+    let x = 1;
+    println!("{}", x);
+}
`;

for (const stack of SERVICE_STACKS) {
  describe.skipIf(!hasCargoFmt || !stack.available)(
    `a failed GitLab job in a project that opted in to fixes, on ${stack.name}`,
    () => {
      const running = runningApp(
        {
          GITLAB_WEBHOOK_SECRET: SECRET,
          GITLAB_TOKEN: "glpat-test-token",
          GITLAB_URL: GITLAB,
          SENTINEL_WORK_DIR: `/tmp/sentinel-glfix-${process.pid}-${stack.name.length}`,
        },
        stack,
      );

      it("ends in a verified fix branch and one merge request", async () => {
        const { remote, sha } = forge.repo("gitlab-org/gitlab-test", {
          "Cargo.toml": '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n',
          "src/main.rs": 'fn main(){let x=1;println!("{}",x);}\n',
          ".gitignore": "target/\n",
        });
        const gl = fakeGitlab({
          baseUrl: GITLAB,
          projectId: 380,
          traces: { "1977": gitlabTrace("cargo fmt --all --check", RUSTFMT_OUTPUT) },
          config: "fix:\n  enabled: true\n",
        });
        // GitLab's documented Job hook, as the failure of this crate's format check.
        const job = JSON.parse(
          readFileSync(path.resolve(import.meta.dirname, "../fixtures/gitlab-hooks/job-event.json"), "utf8"),
        );
        Object.assign(job, { build_status: "failed", sha, ref: "main", build_name: "fmt" });
        // The example's git_http_url (a host on a private network) is what the hook claims; Sentinel
        // builds the remote from GITLAB_URL and the project the API confirms, so it is never dialled.
        for (const key of [`gl-fix-${stack.name}-1`, `gl-fix-${stack.name}-2`]) {
          await fetch(`http://127.0.0.1:${running.app.port}/api/gitlab/webhook`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-gitlab-event": "Job Hook",
              "x-gitlab-token": SECRET,
              "idempotency-key": key,
            },
            body: JSON.stringify(job),
          });
          await running.app.queue.idle(60_000);
        }
        expect(gl.mergeRequestsOpened).toHaveLength(1);
        const mr = gl.mergeRequestsOpened[0]!;
        expect(mr).toMatchObject({ target_branch: "main", title: "fix(format): cargo fmt for cargo" });
        expect(git(remote, "show", `${mr.source_branch}:src/main.rs`)).toContain("    let x = 1;");
      });
    },
  );
}
