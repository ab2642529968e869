// Findings 3, 6 and 9: what a repository's own files (recipes, .npmrc, a job's log) can make a
// fixer reach, use or run.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { git } from "../../test/support/git-repos.js";
import { actionsLog, fakeGithub } from "../../test/support/github-api.js";
import { BADLY_FORMATTED_CRATE, failedWorkflowJob, RUSTFMT_OUTPUT } from "../../test/support/github-webhooks.js";
import { INSTALLATION, type AttackContext } from "./context.js";
import type { Attack } from "./attack.js";

interface RunRow {
  run_id: string;
  status: string;
  agent_id: string | null;
  outcome: { status?: string; rule?: string; reason?: string } | null;
}

/**
 * A badly formatted crate whose repository ships its own recipe (`fix.recipes`) and proposes
 * fixes; its format job failed with `log`. Returns the fix run and its ledger.
 */
async function fixWithRepoRecipe(ctx: AttackContext, recipe: string, o: { log?: string } = {}) {
  const repo = `octo/${ctx.unique("recipe")}`;
  const { remote, sha } = ctx.forge.repo(repo, BADLY_FORMATTED_CRATE);
  const gh = fakeGithub({
    repo,
    baseUrl: ctx.api,
    installationId: INSTALLATION,
    logs: { "7101": o.log ?? actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
    config: "mode: propose\nfix:\n  recipes: [.github/recipes/own.yml]\n",
    files: { ".github/recipes/own.yml": recipe },
  });
  await ctx.deliverGithub(
    "workflow_job",
    failedWorkflowJob({ installation: INSTALLATION, repo, sha, jobId: 7101, remote: ctx.cloneUrl(repo) }),
  );
  await ctx.idle();
  return { repo, remote, gh, ...(await lastRun(ctx, repo)) };
}

async function lastRun(
  ctx: AttackContext,
  repo: string,
): Promise<{ run: RunRow | null; ledger: Array<{ kind: string; data: Record<string, unknown> }> }> {
  const { rows } = await ctx.owner.query<RunRow>(
    "SELECT run_id, status, agent_id, outcome FROM runs WHERE repo = $1 ORDER BY started_at DESC LIMIT 1",
    [repo],
  );
  const run = rows[0] ?? null;
  const ledger = run
    ? (
        await ctx.owner.query<{ kind: string; data: Record<string, unknown> }>(
          "SELECT kind, data FROM ledger WHERE run_id = $1 ORDER BY seq",
          [run.run_id],
        )
      ).rows
    : [];
  return { run, ledger };
}

const recipe = (id: string, step: string, extra = "") =>
  `id: ${id}\nname: ${id}\nhandles: { categories: [format]${extra} }\nconfidence: 0.99\nsteps:\n  - ${step}\n  - { id: format, run: cargo fmt --all }\nverify:\n  run: cargo fmt --all --check\n`;

async function healthy(ctx: AttackContext): Promise<boolean> {
  return (await fetch(`http://127.0.0.1:${ctx.port}/healthz`)).ok;
}

/** A node one-liner that, if it reaches the worker's Redis, writes `key` there (directly, and through the step's proxy). */
function redisWriter(key: string): string {
  return `node -e "const n=require('net');const s=n.connect(6379,'127.0.0.1');s.on('connect',()=>{s.end('SET ${key} 1\\r\\n');console.log('REACHED REDIS')});s.on('error',e=>console.log('direct: '+e.code));require('http').get({host:'127.0.0.1',port:3128,path:'http://127.0.0.1:6379/'},r=>console.log('proxy: '+r.statusCode)).on('error',e=>console.log('proxy: '+e.code))"`;
}

export const fixerAttacks: Attack[] = [
  {
    finding: 3,
    name: "a repository recipe's network step writes to the worker's Redis",
    async run(ctx) {
      const key = `attack:recipe:${ctx.unique("k")}`;
      const r = await fixWithRepoRecipe(
        ctx,
        recipe(
          "probe",
          `{ id: probe, run: [sh, -c, ${JSON.stringify(redisWriter(key))}], network: true, onError: continue }`,
        ),
      );
      const written = await ctx.redis.get(key);
      const out = String(r.ledger.find((e) => e.kind === "command" && e.data.step === "probe")?.data.outputTail ?? "")
        .trim()
        .replace(/\s+/g, " ");
      return {
        blocked: written === null,
        detail: `key written: ${written !== null}; the step saw: ${out || "(no output)"}; egress refusals in the ledger: ${r.ledger.filter((e) => e.kind === "egress.refused").length}`,
      };
    },
  },
  {
    finding: 3,
    name: "a repository's .npmrc git=./evil.sh runs under `npm ci --ignore-scripts` and reaches Redis",
    async run(ctx) {
      const key = `attack:npmrc:${ctx.unique("k")}`;
      const repo = `octo/${ctx.unique("npmrc")}`;
      const dir = mkdtempSync(path.join(tmpdir(), "sentinel-attack-npmrc-"));
      try {
        git(dir, "init", "-q", "-b", "main");
        const dep = "git+https://git.example.invalid/foo.git";
        writeFileSync(
          path.join(dir, "package.json"),
          JSON.stringify({ name: "p", version: "1.0.0", dependencies: { foo: dep } }),
        );
        writeFileSync(
          path.join(dir, "package-lock.json"),
          JSON.stringify({
            name: "p",
            version: "1.0.0",
            lockfileVersion: 3,
            requires: true,
            packages: {
              "": { name: "p", version: "1.0.0", dependencies: { foo: dep } },
              "node_modules/foo": {
                version: "1.0.0",
                resolved: `${dep}#0123456789abcdef0123456789abcdef01234567`,
                license: "MIT",
              },
            },
          }),
        );
        writeFileSync(path.join(dir, ".npmrc"), "git=./evil.sh\n");
        writeFileSync(path.join(dir, "evil.sh"), `#!/bin/sh\n${redisWriter(key)}\nsleep 1\nexit 1\n`);
        chmodSync(path.join(dir, "evil.sh"), 0o755);
        writeFileSync(path.join(dir, "index.js"), "var a = 1\n");
        git(dir, "add", "-A");
        git(dir, "commit", "-q", "-m", "lint fails");
        const sha = git(dir, "rev-parse", "HEAD");
        ctx.forge.serve(repo, dir);
        const eslint = [
          "",
          "/home/runner/work/p/p/index.js",
          "  1:1  error  Unexpected var, use let or const instead  no-var",
          "",
          "✖ 1 problem (1 error, 0 warnings)",
        ].join("\n");
        fakeGithub({
          repo,
          baseUrl: ctx.api,
          installationId: INSTALLATION,
          logs: { "7102": actionsLog("npx eslint .", eslint) },
          config: "mode: propose\n",
        });
        await ctx.deliverGithub(
          "workflow_job",
          failedWorkflowJob({
            installation: INSTALLATION,
            repo,
            sha,
            jobId: 7102,
            name: "lint",
            remote: ctx.cloneUrl(repo),
          }),
        );
        await ctx.idle();
        const { run, ledger } = await lastRun(ctx, repo);
        const install = ledger.find((e) => e.kind === "command" && e.data.step === "install");
        const written = await ctx.redis.get(key);
        return {
          blocked: written === null && install !== undefined,
          detail: `install step ran: ${install !== undefined} (exit ${String(install?.data.exitCode)}); key written: ${written !== null}; run ended ${run?.status}`,
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    finding: 6,
    name: "a repository recipe's fork bomb",
    async run(ctx) {
      const r = await fixWithRepoRecipe(
        ctx,
        recipe("bomb", "{ id: bomb, run: [sh, -c, 'b(){ b | b & }; b; sleep 60'], timeout: 120 }"),
      );
      const ok = await healthy(ctx);
      return {
        blocked: r.run?.outcome?.status === "resource-limit" && ok,
        detail: `run ended ${r.run?.outcome?.status} (${r.run?.outcome?.rule ?? "no rule"}); worker healthy: ${ok}`,
      };
    },
  },
  {
    finding: 6,
    name: "a repository recipe's memory hog",
    async run(ctx) {
      const r = await fixWithRepoRecipe(
        ctx,
        recipe("hog", "{ id: hog, run: [node, -e, 'const a=[];for(;;)a.push(Buffer.alloc(16<<20,1))'], timeout: 120 }"),
      );
      const ok = await healthy(ctx);
      return {
        blocked: r.run?.outcome?.status === "resource-limit" && ok,
        detail: `run ended ${r.run?.outcome?.status} (${r.run?.outcome?.rule ?? "no rule"}); worker healthy: ${ok}`,
      };
    },
  },
  {
    finding: 6,
    name: "a repository recipe asking for steps of an hour each, retried",
    async run(ctx) {
      const started = Date.now();
      const r = await fixWithRepoRecipe(
        ctx,
        recipe("slow", "{ id: slow, run: [sleep, '3600'], timeout: 3600, onError: retry, retries: 5 }"),
      );
      return {
        blocked: r.run?.outcome?.rule === "sandbox.deadline",
        detail: `run ended ${r.run?.outcome?.status} (${r.run?.outcome?.rule ?? "no rule"}) after ${Math.round((Date.now() - started) / 1000)} s (SENTINEL_RUN_DEADLINE_S=20)`,
      };
    },
  },
  {
    finding: 9,
    name: "a job prints its own `Run …` header so VERIFY runs the attacker's command",
    async run(ctx) {
      // The job printed a group header of its own before rustfmt's output; the repository's
      // recipe names no verify command, so VERIFY would run whatever the failing step was.
      const log = actionsLog("cargo fmt --all --check", `##[group]Run touch forged-by-the-log.txt\n${RUSTFMT_OUTPUT}`);
      const noVerify =
        "id: fmt-only\nname: fmt-only\nhandles: { categories: [format] }\nconfidence: 0.99\nsteps:\n  - { id: format, run: cargo fmt --all }\n";
      const { remote, gh, ledger } = await fixWithRepoRecipe(ctx, noVerify, { log });
      const ran = ledger.some((e) => JSON.stringify(e.data).includes("forged-by-the-log"));
      const inFix = gh.opened[0]
        ? git(remote, "ls-tree", "--name-only", gh.opened[0].head).includes("forged-by-the-log.txt")
        : false;
      return {
        blocked: !ran && !inFix,
        detail: `the forged command ran: ${ran}; verify was ${JSON.stringify(ledger.find((e) => e.kind === "plan")?.data.verify)}`,
      };
    },
  },
  {
    finding: 9,
    name: "a log line puts a mention and a link into the pull request body",
    async run(ctx) {
      const output = RUSTFMT_OUTPUT.replace(
        "/home/runner/work/Hello-World/Hello-World/",
        "/home/runner/work/@octocat/https://evil.example/",
      );
      const repo = `octo/${ctx.unique("mention")}`;
      const { sha } = ctx.forge.repo(repo, BADLY_FORMATTED_CRATE);
      const gh = fakeGithub({
        repo,
        baseUrl: ctx.api,
        installationId: INSTALLATION,
        logs: { "7104": actionsLog("cargo fmt --all --check", output) },
        config: "mode: propose\n",
      });
      await ctx.deliverGithub(
        "workflow_job",
        failedWorkflowJob({ installation: INSTALLATION, repo, sha, jobId: 7104, remote: ctx.cloneUrl(repo) }),
      );
      await ctx.idle();
      const body = String((gh.opened[0] as { body?: string } | undefined)?.body ?? "");
      const live = ["@octocat", "https://evil"].filter((s) => body.includes(s));
      return {
        blocked: body.length > 0 && live.length === 0,
        detail: body
          ? `live in the body: ${live.join(", ") || "nothing"} (it reads: ${JSON.stringify(
              body
                .split("\n")
                .find((l) => l.includes("octocat"))
                ?.slice(0, 120),
            )})`
          : "no pull request opened",
      };
    },
  },
  {
    finding: 9,
    name: "a repository recipe's requiresFile probes a file outside the worktree",
    async run(ctx) {
      const r = await fixWithRepoRecipe(
        ctx,
        recipe(
          "probe-host",
          "{ id: noop, run: [echo, probed] }",
          ", requiresFile: ../../../../../../../../../../etc/hostname",
        ),
      );
      // The file exists on the worker, outside the worktree: only a check that leaves it would pick this recipe.
      return {
        blocked: r.run !== null && r.run.agent_id !== "probe-host",
        detail: `agent chosen: ${r.run?.agent_id ?? "none (no run)"}`,
      };
    },
  },
];
