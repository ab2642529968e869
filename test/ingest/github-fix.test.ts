import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { git } from "../support/git-repos.js";
import { forgeGit } from "../support/forge-git.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import { runningApp } from "../support/running-app.js";
import { SERVICE_STACKS } from "../support/services.js";
import { hasCargoFmt } from "../support/toolchains.js";
import { eslintProject } from "../support/js-projects.js";
import {
  BADLY_FORMATTED_CRATE,
  deliverGithub,
  failedWorkflowJob,
  RUSTFMT_OUTPUT,
  TEST_PRIVATE_KEY as privateKey,
} from "../support/github-webhooks.js";

const SECRET = "fix-secret";
const INSTALLATION = 4242;
// GitHub Enterprise Server on loopback: git over HTTP from disk, the REST API from nock.
const forge = await forgeGit();
const GHE = { GHE_HOST: forge.host, GHE_PROTOCOL: "http" };
const API = `${forge.origin}/api/v3`;
let repoCounter = 0;
const nextRepo = (what: string) => `octo/${what}-${++repoCounter}`;
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

for (const stack of SERVICE_STACKS) {
  describe.skipIf(!hasCargoFmt || !stack.available)(
    `a failed GitHub job in a repository that opted in to fixes, on ${stack.name}`,
    () => {
      const running = runningApp(
        {
          APP_ID: "123",
          PRIVATE_KEY: privateKey,
          WEBHOOK_SECRET: SECRET,
          ...GHE,
          SENTINEL_WORK_DIR: `/tmp/sentinel-fix-work-${process.pid}-${stack.name.length}`,
        },
        stack,
      );

      async function deliver(payload: unknown, id: string) {
        expect((await deliverGithub(running.app.port, SECRET, "workflow_job", payload, id)).status).toBe(200);
      }

      it("ends in a verified fix branch pushed to the repository and one pull request linked from the sticky comment", async () => {
        const repo = nextRepo("fmt");
        const { remote, sha } = forge.repo(repo, BADLY_FORMATTED_CRATE);
        const gh = fakeGithub({
          repo,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7001": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
          config: "fix:\n  enabled: true\n",
          pulls: { [sha]: [{ number: 61, headRepo: repo }] },
        });
        const job = failedWorkflowJob({ installation: INSTALLATION, repo, sha, jobId: 7001, name: "fmt" });

        await deliver(job, `fix-${stack.name}-1`);
        await running.app.queue.idle(60_000);
        await deliver(job, `fix-${stack.name}-2`); // the same failure delivered again
        await running.app.queue.idle(60_000);

        expect(gh.opened).toHaveLength(1);
        const pr = gh.opened[0]!;
        expect(pr).toMatchObject({ base: "main", title: "Format src/main.rs with cargo fmt" });
        expect(pr.head).toMatch(/^sentinel\/fix-[0-9a-f]{20}$/);
        expect(git(remote, "show", `${pr.head}:src/main.rs`)).toContain("    let x = 1;");
        // Git fetched and pushed over HTTP to the configured host only, each request with the scoped token as a header.
        const gitCalls = forge.requests.filter((r) => r.path.startsWith(`/${repo}.git/`));
        expect(gitCalls.map((r) => r.path)).toContain(`/${repo}.git/git-receive-pack`);
        expect(
          gitCalls.every((r) =>
            Buffer.from((r.authorization ?? "").replace(/^Basic /, ""), "base64")
              .toString()
              .startsWith("x-access-token:ghs_"),
          ),
        ).toBe(true);
        expect(
          gh.calls
            .filter((c) => c.path.endsWith("/access_tokens"))
            .map((c) => (c.body as { permissions: Record<string, string> }).permissions),
        ).toContainEqual({ contents: "write", pull_requests: "write", metadata: "read" });
        const comment = [...gh.comments.values()][0]?.body ?? "";
        expect(comment).toContain(`verified fix #${pr.number}`);
      });

      it("fixes a JavaScript project's ESLint failure the same way: npm ci in the sandbox, eslint --fix, VERIFY by the step's command", async () => {
        const project = eslintProject(mkdtempSync(path.join(tmpdir(), "sentinel-gh-eslint-")));
        if (!project) return;
        cleanup.push(project.dir);
        const eslintOutput = [
          "",
          "/home/runner/work/Hello-World/Hello-World/index.js",
          "  1:1   error  Unexpected var, use let or const instead      no-var",
          "  1:10  error  Missing semicolon                             semi",
          "  2:5   error  'b' is never reassigned. Use 'const' instead  prefer-const",
          "  2:10  error  Missing semicolon                             semi",
          "  3:19  error  Missing semicolon                             semi",
          "",
          "✖ 5 problems (5 errors, 0 warnings)",
          "  5 errors and 0 warnings potentially fixable with the `--fix` option.",
        ].join("\n");
        const repo = nextRepo("eslint");
        const remote = forge.serve(repo, project.dir);
        const gh = fakeGithub({
          repo,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7003": actionsLog("npx eslint .", eslintOutput) },
          config: "fix:\n  enabled: true\n",
        });
        const job = failedWorkflowJob({
          installation: INSTALLATION,
          repo,
          sha: project.sha,
          jobId: 7003,
          name: "lint",
        });
        await deliver(job, `fix-${stack.name}-eslint`);
        await running.app.queue.idle(120_000);
        expect(gh.opened).toHaveLength(1);
        expect(gh.opened[0]).toMatchObject({ title: "Fix 5 ESLint problems with ESLint --fix", base: "main" });
        expect(git(remote, "show", `${gh.opened[0]!.head}:index.js`)).toBe(
          "const a = 1;\nconst b = 2;\nconsole.log(a + b);",
        );
      }, 150_000);

      it("opens nothing when the repository disabled the recipe that would fix it", async () => {
        const repo = nextRepo("disabled");
        const { remote, sha } = forge.repo(repo, {
          "Cargo.toml": '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n',
          "src/main.rs": 'fn main(){let x=1;println!("{}",x);}\n',
        });
        const gh = fakeGithub({
          repo,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7002": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
          config: "fix:\n  enabled: true\n  disable: [cargo-fmt]\n",
        });
        const job = failedWorkflowJob({ installation: INSTALLATION, repo, sha, jobId: 7002, name: "fmt" });
        await deliver(job, `fix-${stack.name}-disabled`);
        await running.app.queue.idle(60_000);
        expect(gh.opened).toHaveLength(0);
        expect(git(remote, "branch", "--list", "sentinel/*")).toBe("");
      });
    },
  );
}

/**
 * One JavaScript project that fails two ways at once, on embedded defaults (the stacks' part is
 * covered above; this is about two agents on one commit): its lint job (ESLint) and its format
 * job (Prettier) each end in their own verified pull request.
 */
describe("a JavaScript project failing ESLint and Prettier on one commit", () => {
  const running = runningApp({
    APP_ID: "123",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: SECRET,
    ...GHE,
    SENTINEL_WORK_DIR: `/tmp/sentinel-fix-work-${process.pid}-js2`,
  });

  it("gets two verified pull requests, one from each agent, each changing only what its tool reported", async () => {
    const project = eslintProject(mkdtempSync(path.join(tmpdir(), "sentinel-gh-js2-")), { withPrettier: true });
    if (!project) return;
    cleanup.push(project.dir);
    const eslintOutput = [
      "",
      "/home/runner/work/Hello-World/Hello-World/index.js",
      "  1:1   error  Unexpected var, use let or const instead      no-var",
      "  1:10  error  Missing semicolon                             semi",
      "",
      "✖ 2 problems (2 errors, 0 warnings)",
    ].join("\n");
    const prettierOutput =
      "Checking formatting...\n[warn] greet.js\n[warn] Code style issues found in the above file. Run Prettier with --write to fix.\n";
    const repo = nextRepo("js2");
    const remote = forge.serve(repo, project.dir);
    const gh = fakeGithub({
      repo,
      baseUrl: API,
      installationId: INSTALLATION,
      logs: {
        "7201": actionsLog("npx eslint .", eslintOutput),
        "7202": actionsLog("npx prettier --check .", prettierOutput),
      },
      config: "mode: propose\n",
    });
    for (const [id, name] of [
      [7201, "lint"],
      [7202, "format"],
    ] as const) {
      const job = failedWorkflowJob({ installation: INSTALLATION, repo, sha: project.sha, jobId: id, name });
      expect((await deliverGithub(running.app.port, SECRET, "workflow_job", job, `js2-${id}`)).status).toBe(200);
    }
    await running.app.queue.idle(240_000);
    const byTitle = new Map(gh.opened.map((pr) => [pr.title, pr]));
    expect([...byTitle.keys()].sort()).toEqual([
      "Fix 2 ESLint problems with ESLint --fix",
      "Format greet.js with Prettier --write",
    ]);
    const lint = byTitle.get("Fix 2 ESLint problems with ESLint --fix")!;
    const format = byTitle.get("Format greet.js with Prettier --write")!;
    expect(lint.head).not.toBe(format.head);
    expect(git(remote, "diff", "--name-only", `${project.sha}..${lint.head}`)).toBe("index.js");
    expect(git(remote, "diff", "--name-only", `${project.sha}..${format.head}`)).toBe("greet.js");
    expect(git(remote, "show", `${format.head}:greet.js`)).toBe(
      'const greet = (name) => {\n  return "hello " + name;\n};\nmodule.exports = { greet };',
    );
  }, 300_000);
});
