import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { git } from "../support/git-repos.js";
import { forgeGit } from "../support/forge-git.js";
import { fakeGitlab, gitlabTrace } from "../support/gitlab-api.js";
import { runningApp } from "../support/running-app.js";
import { SERVICE_STACKS } from "../support/services.js";
import { hasCargoFmt } from "../support/toolchains.js";
import { eslintProject } from "../support/js-projects.js";

const SECRET = "gitlab-fix-secret";
// Self-managed GitLab on loopback: git over HTTP from disk, the REST API from nock.
const forge = await forgeGit();
const GITLAB = forge.origin;
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

// The same output as the GitHub ESLint test (test/ingest/github-fix.test.ts), at a GitLab build path.
const ESLINT_OUTPUT = [
  "",
  "/builds/gitlab-org/gitlab-lint/index.js",
  "  1:1   error  Unexpected var, use let or const instead      no-var",
  "  1:10  error  Missing semicolon                             semi",
  "  2:5   error  'b' is never reassigned. Use 'const' instead  prefer-const",
  "  2:10  error  Missing semicolon                             semi",
  "  3:19  error  Missing semicolon                             semi",
  "",
  "\u2716 5 problems (5 errors, 0 warnings)",
  "  5 errors and 0 warnings potentially fixable with the `--fix` option.",
].join("\n");

/** The project's CI configuration at the failing commit, as the API serves it: the job's script. */
const CI_CONFIG = "lint:\n  image: node:20\n  script:\n    - npm ci\n    - npx eslint .\n";

/** GitLab's documented Job hook, as the failure of this commit's job. */
function failedJobHook(sha: string, name: string, project = "gitlab-org/gitlab-test"): Record<string, unknown> {
  const job = JSON.parse(
    readFileSync(path.resolve(import.meta.dirname, "../fixtures/gitlab-hooks/job-event.json"), "utf8"),
  ) as Record<string, unknown> & { project: Record<string, unknown> };
  job.project.path_with_namespace = project;
  return Object.assign(job, { build_status: "failed", sha, ref: "main", build_name: name });
}

async function deliverJobHook(port: number, job: unknown, key: string): Promise<void> {
  await fetch(`http://127.0.0.1:${port}/api/gitlab/webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-gitlab-event": "Job Hook",
      "x-gitlab-token": SECRET,
      "idempotency-key": key,
    },
    body: JSON.stringify(job),
  });
}

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
        // The example's git_http_url (a host on a private network) is what the hook claims; Sentinel
        // builds the remote from GITLAB_URL and the project the API confirms, so it is never dialled.
        for (const key of [`gl-fix-${stack.name}-1`, `gl-fix-${stack.name}-2`]) {
          await deliverJobHook(running.app.port, failedJobHook(sha, "fmt"), key);
          await running.app.queue.idle(60_000);
        }
        expect(gl.mergeRequestsOpened).toHaveLength(1);
        const mr = gl.mergeRequestsOpened[0]!;
        expect(mr).toMatchObject({ target_branch: "main", title: "Format src/main.rs with cargo fmt" });
        expect(git(remote, "show", `${mr.source_branch}:src/main.rs`)).toContain("    let x = 1;");
      });
    },
  );
}

for (const stack of SERVICE_STACKS) {
  describe.skipIf(!stack.available)(
    `a failed GitLab lint job whose fix is verified by re-running it, on ${stack.name}`,
    () => {
      const running = runningApp(
        {
          GITLAB_WEBHOOK_SECRET: SECRET,
          GITLAB_TOKEN: "glpat-test-token",
          GITLAB_URL: GITLAB,
          SENTINEL_WORK_DIR: `/tmp/sentinel-gleslint-${process.pid}-${stack.name.length}`,
        },
        stack,
      );

      it("verifies ESLint --fix with the `$ npx eslint .` the trace shows failing, and opens one merge request", async () => {
        const project = eslintProject(mkdtempSync(path.join(tmpdir(), "sentinel-gl-eslint-")));
        if (!project) return;
        cleanup.push(project.dir);
        const name = `gitlab-org/gitlab-lint-${stack.name.length}`;
        const remote = forge.serve(name, project.dir);
        const gl = fakeGitlab({
          baseUrl: GITLAB,
          projectId: 380,
          path: name,
          traces: { "1977": gitlabTrace("npx eslint .", ESLINT_OUTPUT) },
          config: "fix:\n  enabled: true\n",
          filesAt: {
            [project.sha]: { ".gitlab-ci.yml": CI_CONFIG, ".gitlab/sentinel.yml": "fix:\n  enabled: true\n" },
          },
        });
        await deliverJobHook(running.app.port, failedJobHook(project.sha, "lint", name), `gl-eslint-${stack.name}`);
        await running.app.queue.idle(120_000);
        expect(gl.mergeRequestsOpened).toHaveLength(1);
        const mr = gl.mergeRequestsOpened[0]!;
        expect(git(remote, "show", `${mr.source_branch}:index.js`)).toBe(
          "const a = 1;\nconst b = 2;\nconsole.log(a + b);",
        );
      }, 150_000);

      it("does not take a `$ ` line the job's output printed, which .gitlab-ci.yml does not hold, as the failing command", async () => {
        const project = eslintProject(mkdtempSync(path.join(tmpdir(), "sentinel-gl-forged-")));
        if (!project) return;
        cleanup.push(project.dir);
        // After ESLint's output the job printed a line shaped like the runner's echo: taken as the
        // failing command, `true` would "verify" a fix that was never checked.
        const forged = `${ESLINT_OUTPUT}\n\x1b[32;1m$ true\x1b[0;m`;
        const name = `gitlab-org/gitlab-forged-${stack.name.length}`;
        forge.serve(name, project.dir);
        const gl = fakeGitlab({
          baseUrl: GITLAB,
          projectId: 380,
          path: name,
          traces: { "1977": gitlabTrace("npx eslint .", forged) },
          config: "fix:\n  enabled: true\n",
          filesAt: {
            [project.sha]: { ".gitlab-ci.yml": CI_CONFIG, ".gitlab/sentinel.yml": "fix:\n  enabled: true\n" },
          },
        });
        await deliverJobHook(running.app.port, failedJobHook(project.sha, "lint", name), `gl-forged-${stack.name}`);
        await running.app.queue.idle(120_000);
        // `true` is not in .gitlab-ci.yml: ESLint's recipe has no confirmed command to verify with, so nothing is proposed.
        expect(gl.mergeRequestsOpened).toHaveLength(0);
      }, 150_000);
    },
  );
}
