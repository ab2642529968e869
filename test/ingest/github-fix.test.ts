import { createHmac, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { bareRemote, git } from "../support/git-repos.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import { runningApp } from "../support/running-app.js";
import { SERVICE_STACKS } from "../support/services.js";
import { hasCargoFmt } from "../support/toolchains.js";
import { eslintProject } from "../support/js-projects.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{ name: string; examples: Array<Record<string, any>> }>;
const SECRET = "fix-secret";
const REPO = "Codertocat/Hello-World";
const INSTALLATION = 4242;
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

// What `cargo fmt --all --check` printed for this crate on a GitHub runner.
const RUSTFMT_OUTPUT = `Diff in /home/runner/work/Hello-World/Hello-World/src/main.rs:1:
-fn main(){let x=1;println!("{}",x);}
+fn main() {
+    let x = 1;
+    println!("{}", x);
+}
`;

for (const stack of SERVICE_STACKS) {
  describe.skipIf(!hasCargoFmt || !stack.available)(`a failed GitHub job in a repository that opted in to fixes, on ${stack.name}`, () => {
    const running = runningApp({ APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, SENTINEL_WORK_DIR: `/tmp/sentinel-fix-work-${process.pid}-${stack.name.length}` }, stack);

    async function deliver(payload: unknown, id: string) {
      const body = JSON.stringify(payload);
      await fetch(`http://127.0.0.1:${running.app.port}/api/github/webhooks`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": "workflow_job", "x-github-delivery": id, "x-hub-signature-256": "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex") },
        body,
      });
    }

    it("ends in a verified fix branch pushed to the repository and one pull request linked from the sticky comment", async () => {
      const { root, remote, sha } = bareRemote({
        "Cargo.toml": '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/main.rs": 'fn main(){let x=1;println!("{}",x);}\n',
        ".gitignore": "target/\n",
      });
      cleanup.push(root);
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "7001": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
        config: "fix:\n  enabled: true\n",
        pulls: { [sha]: [{ number: 61, headRepo: REPO }] },
      });
      const job = structuredClone(examples.find((e) => e.name === "workflow_job")!.examples.find((x) => x.workflow_job.conclusion === "failure")!);
      job.installation = { id: INSTALLATION };
      job.repository.clone_url = remote;
      Object.assign(job.workflow_job, { id: 7001, head_sha: sha, head_branch: "main", name: "fmt" });

      await deliver(job, `fix-${stack.name}-1`);
      await running.app.queue.idle(60_000);
      await deliver(job, `fix-${stack.name}-2`); // the same failure delivered again
      await running.app.queue.idle(60_000);

      expect(gh.opened).toHaveLength(1);
      const pr = gh.opened[0]!;
      expect(pr).toMatchObject({ base: "main", title: "fix(format): cargo fmt for cargo" });
      expect(pr.head).toMatch(/^sentinel\/fix-[0-9a-f]{20}$/);
      expect(git(remote, "show", `${pr.head}:src/main.rs`)).toContain("    let x = 1;");
      // The push carried the scoped token as a header; it never landed in the mirror's config.
      expect(gh.calls.filter((c) => c.path.endsWith("/access_tokens")).map((c) => (c.body as { permissions: Record<string, string> }).permissions)).toContainEqual({ contents: "write", pull_requests: "write", metadata: "read" });
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
      const gh = fakeGithub({ repo: REPO, installationId: INSTALLATION, logs: { "7003": actionsLog("npx eslint .", eslintOutput) }, config: "fix:\n  enabled: true\n" });
      const job = structuredClone(examples.find((e) => e.name === "workflow_job")!.examples.find((x) => x.workflow_job.conclusion === "failure")!);
      job.installation = { id: INSTALLATION };
      job.repository.clone_url = project.dir;
      Object.assign(job.workflow_job, { id: 7003, head_sha: project.sha, head_branch: "main", name: "lint" });
      await deliver(job, `fix-${stack.name}-eslint`);
      await running.app.queue.idle(120_000);
      expect(gh.opened).toHaveLength(1);
      expect(gh.opened[0]).toMatchObject({ title: "fix(lint): ESLint --fix for eslint", base: "main" });
      expect(git(project.dir, "show", `${gh.opened[0]!.head}:index.js`)).toBe("const a = 1;\nconst b = 2;\nconsole.log(a + b);");
    }, 150_000);

    it("opens nothing when the repository disabled the recipe that would fix it", async () => {
      const { root, remote, sha } = bareRemote({
        "Cargo.toml": '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/main.rs": 'fn main(){let x=1;println!("{}",x);}\n',
      });
      cleanup.push(root);
      const gh = fakeGithub({ repo: REPO, installationId: INSTALLATION, logs: { "7002": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) }, config: "fix:\n  enabled: true\n  disable: [cargo-fmt]\n" });
      const job = structuredClone(examples.find((e) => e.name === "workflow_job")!.examples.find((x) => x.workflow_job.conclusion === "failure")!);
      job.installation = { id: INSTALLATION };
      job.repository.clone_url = remote;
      Object.assign(job.workflow_job, { id: 7002, head_sha: sha, head_branch: "main", name: "fmt" });
      await deliver(job, `fix-${stack.name}-disabled`);
      await running.app.queue.idle(60_000);
      expect(gh.opened).toHaveLength(0);
      expect(git(remote, "branch", "--list", "sentinel/*")).toBe("");
    });
  });
}
