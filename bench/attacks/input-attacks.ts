// Findings 7 and 8: hostile repository files Sentinel parses, and webhook bodies sent slowly.
import { createHmac } from "node:crypto";
import net from "node:net";
import { actionsLog, fakeGithub } from "../../test/support/github-api.js";
import {
  BADLY_FORMATTED_CRATE,
  failedWorkflowJob,
  githubExample,
  repositoryIdFor,
  RUSTFMT_OUTPUT,
} from "../../test/support/github-webhooks.js";
import { GITHUB_SECRET, INSTALLATION, type AttackContext } from "./context.js";
import type { Attack } from "./attack.js";

/** A pull request (the real `pull_request.opened` example) whose head changes `files`, delivered; the Sentinel config check it gets. */
async function pullRequestChanging(ctx: AttackContext, files: Record<string, string>) {
  const repo = `octo/${ctx.unique("pr-config")}`;
  const head = "c".repeat(39) + String(ctx.unique("x").length % 10);
  const gh = fakeGithub({
    repo,
    baseUrl: ctx.api,
    installationId: INSTALLATION,
    logs: {},
    headFiles: files,
    prFiles: { 31: Object.keys(files) },
  });
  const p = githubExample("pull_request", (x) => x.action === "opened");
  p.installation = { id: INSTALLATION };
  Object.assign(p.repository, { full_name: repo, name: repo.split("/")[1], id: repositoryIdFor(repo) });
  p.number = 31;
  Object.assign(p.pull_request, { number: 31 });
  p.pull_request.head.sha = head;
  const started = Date.now();
  await ctx.deliverGithub("pull_request", p);
  await ctx.idle();
  const check = [...gh.checkRuns.values()].map((c) => c.body).find((b) => b.name === "Sentinel config");
  return { ms: Date.now() - started, check, alive: (await fetch(`http://127.0.0.1:${ctx.port}/healthz`)).ok };
}

/** What Sentinel reported in its check runs, markdown escapes removed. */
const reported = (gh: ReturnType<typeof fakeGithub>) =>
  JSON.stringify([...gh.checkRuns.values()].map((c) => c.body)).replace(/\\/g, "");

const manyKeys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join("\n") + "\n";

/** A log of `mb` megabytes of ordinary lines, a real failure at its end. */
function bigLog(mb: number): string {
  const line =
    "2026-11-22T09:00:00.0000000Z building module number 12345 of the project without trouble, step 4 of 9\n";
  return (
    line.repeat(Math.ceil((mb * 1024 * 1024) / line.length)) + actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT)
  );
}

export const inputAttacks: Attack[] = [
  {
    finding: 7,
    name: "a pull request's config of 40,000 keys (validated at its head)",
    async run(ctx) {
      const r = await pullRequestChanging(ctx, { ".github/sentinel.yml": manyKeys(40_000) });
      const text = JSON.stringify(r.check ?? {}).replace(/\\/g, "");
      return {
        blocked: r.alive && /larger than|E_FILE_TOO_LARGE/.test(text),
        detail: `refused in ${r.ms} ms: ${/E_[A-Z_]+/.exec(text)?.[0] ?? /larger than \d+ bytes/.exec(text)?.[0] ?? "not refused"}`,
      };
    },
  },
  {
    finding: 7,
    name: "a pull request's config nested 30,000 levels deep, under the size cap",
    async run(ctx) {
      const r = await pullRequestChanging(ctx, { ".github/sentinel.yml": `mode: ${"[".repeat(30_000)}\n` });
      const text = JSON.stringify(r.check ?? {}).replace(/\\/g, "");
      return {
        blocked: r.alive && /E_YAML_TOO_DEEP|deeper/.test(text),
        detail: `answered in ${r.ms} ms, worker alive: ${r.alive}: ${/E_[A-Z_]+/.exec(text)?.[0] ?? "not refused"}`,
      };
    },
  },
  {
    finding: 7,
    name: "a repository recipe of 40,000 keys on the default branch",
    async run(ctx) {
      const repo = `octo/${ctx.unique("recipe-keys")}`;
      const { sha } = ctx.forge.repo(repo, BADLY_FORMATTED_CRATE);
      const gh = fakeGithub({
        repo,
        baseUrl: ctx.api,
        installationId: INSTALLATION,
        logs: { "7201": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
        config: "mode: propose\nfix:\n  recipes: [.github/recipes/big.yml]\n",
        files: { ".github/recipes/big.yml": manyKeys(40_000) },
      });
      const started = Date.now();
      await ctx.deliverGithub(
        "workflow_job",
        failedWorkflowJob({ installation: INSTALLATION, repo, sha, jobId: 7201, remote: ctx.cloneUrl(repo) }),
      );
      await ctx.idle();
      const text = reported(gh);
      return {
        blocked: /E_FILE_TOO_LARGE|larger than/.test(text),
        detail: `diagnosed and reported in ${Date.now() - started} ms; the recipe ${/E_FILE_TOO_LARGE|larger than/.test(text) ? "was refused as too large" : "was not refused"}`,
      };
    },
  },
  {
    finding: 7,
    name: "a repository rule file of costly patterns over a 4 MB log",
    async run(ctx) {
      const repo = `octo/${ctx.unique("regex")}`;
      const { sha } = ctx.forge.repo(repo, BADLY_FORMATTED_CRATE);
      // Valid RE2 (linear time), but large and with no fixed word: they would run on every line.
      const rules = [
        "id: costly",
        "name: costly",
        "tool: x",
        "category: lint",
        "matchers:",
        "  - id: words",
        "    pattern: '(?:\\w{1,40}\\s){1,25}\\w{1,40}$'",
        "  - id: fields",
        "    pattern: '(?:\\S{1,60}\\s){1,16}\\S{1,60}$'",
        "",
      ].join("\n");
      const gh = fakeGithub({
        repo,
        baseUrl: ctx.api,
        installationId: INSTALLATION,
        logs: { "7202": bigLog(4) },
        config: "sentinels:\n  files: [.github/sentinels/costly.yml]\n",
        files: { ".github/sentinels/costly.yml": rules },
      });
      const started = Date.now();
      await ctx.deliverGithub(
        "workflow_job",
        failedWorkflowJob({ installation: INSTALLATION, repo, sha, jobId: 7202, remote: ctx.cloneUrl(repo) }),
      );
      await ctx.idle();
      const ms = Date.now() - started;
      const text = reported(gh);
      const codes = [...new Set(text.match(/E_PATTERN_[A-Z_]+/g) ?? [])];
      return {
        blocked: codes.length > 0 && ms < 30_000,
        detail: `4 MB log diagnosed and reported in ${ms} ms; patterns refused: ${codes.join(", ") || "none"}`,
      };
    },
  },
  {
    finding: 8,
    name: "four clients declare 25 MB bodies and send a byte a second",
    async run(ctx) {
      const slow = Array.from({ length: 4 }, () => slowClient(ctx.port));
      await new Promise((r) => setTimeout(r, 500));
      const repo = `octo/${ctx.unique("slow")}`;
      fakeGithub({ repo, baseUrl: ctx.api, installationId: INSTALLATION, logs: {} });
      const body = JSON.stringify(
        failedWorkflowJob({
          installation: INSTALLATION,
          repo,
          sha: "a".repeat(40),
          jobId: 7203,
          remote: ctx.cloneUrl(repo),
        }),
      );
      const res = await fetch(`http://127.0.0.1:${ctx.port}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "workflow_job",
          "x-github-delivery": `slow-${repo}`,
          "x-hub-signature-256": "sha256=" + createHmac("sha256", GITHUB_SECRET).update(body).digest("hex"),
        },
        body,
      });
      const answers = await Promise.all(slow.map((s) => s.answer));
      return {
        blocked: res.status === 200 && answers.every((a) => a.startsWith("HTTP/1.1 408") || a === "closed"),
        detail: `the signed delivery got ${res.status}; the slow clients got ${answers.map((a) => a.split("\r\n")[0] || a).join(", ")}`,
      };
    },
  },
];

/** A client that declares a 25 MB body and sends a byte a second until the server answers or hangs up. */
function slowClient(port: number): { answer: Promise<string> } {
  const socket = net.connect(port, "127.0.0.1");
  let timer: NodeJS.Timeout | undefined;
  const answer = new Promise<string>((resolve) => {
    let got = "";
    socket.on("connect", () => {
      socket.write(
        `POST /api/github/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: workflow_job\r\nX-Hub-Signature-256: sha256=${"0".repeat(64)}\r\nContent-Length: ${25 * 1024 * 1024}\r\n\r\n{`,
      );
      timer = setInterval(() => socket.write(" "), 1000);
    });
    socket.on("data", (d) => (got += d.toString("latin1")));
    const end = () => {
      clearInterval(timer);
      resolve(got || "closed");
    };
    socket.on("close", end);
    socket.on("error", end);
    // A hang guard: an answer never came in a minute.
    setTimeout(() => {
      socket.destroy();
    }, 60_000).unref();
  });
  return { answer };
}
