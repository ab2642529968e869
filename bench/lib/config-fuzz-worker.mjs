// Child process of `bench/fuzz.mjs`: feeds hostile repository files through Sentinel's real
// validators, one case per IPC message, and then uses what they accept the way a worker does.
// It runs apart so that the parent can notice a crash (this process dies) or a hang (no answer
// within the watchdog's time: a synchronous loop cannot be interrupted from inside).
//
//   config: loadRepoConfig (src/config/load-repo-config.ts) twice, as GitLab reads it (raw YAML)
//           and as GitHub does (GithubForge through Probot's config plugin, against a stand-in
//           contents API), including the rule files and recipes the config names; then the
//           effective mode, the ignore.jobs and fix.categories globs against hostile names, and
//           a classification of a hostile log with the merged rules.
//   rule:   parseRuleText (what `sentinel validate` and the config loader use), then the
//           compiled rules run over a hostile log.
//   recipe: parseRecipe.
import { ProbotOctokit } from "probot";
import { effectiveMode, loadRepoConfig } from "../../dist/config/index.js";
import { GithubForge } from "../../dist/forge/index.js";
import { classifyText, parseRuleText } from "../../dist/sentinel/index.js";
import { globMatch } from "../../dist/sentinel/engine/select-sentinels.js";
import { parseRecipe } from "../../dist/agents/load-recipes.js";
import { hostileLog } from "./config-fuzz-cases.mjs";

const LOG = hostileLog();

/** A stand-in for GitHub's contents API serving `files` (raw for the config plugin, base64 JSON for readFile). */
function contentsApi(files) {
  return async (url, init = {}) => {
    const u = new URL(url);
    const m = /^\/repos\/[^/]+\/[^/]+\/contents\/(.+)$/.exec(u.pathname);
    const path = m ? decodeURIComponent(m[1]) : null;
    const text = path !== null ? files[path] : undefined;
    if (text === undefined)
      return new Response(JSON.stringify({ message: "Not Found" }), {
        status: 404,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    const accept = new Headers(init.headers).get("accept") ?? "";
    if (accept.includes("raw"))
      return new Response(text, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
    return new Response(
      JSON.stringify({ type: "file", encoding: "base64", content: Buffer.from(text).toString("base64") }),
      { status: 200, headers: { "content-type": "application/json; charset=utf-8" } },
    );
  };
}

/** What a worker does with a loaded config: decide the mode, skip ignored jobs, classify a log. */
function useConfig(loaded, jobName) {
  effectiveMode(loaded.config);
  loaded.config.ignore.jobs.some((g) => globMatch(g, jobName));
  for (const globs of Object.values(loaded.config.fix.categories)) globs.some((g) => globMatch(g, "prettier-write"));
  const d = classifyText(LOG, loaded.rules, { jobName, source: "log" });
  return { errors: loaded.errors.length, category: d.category };
}

async function run(c) {
  if (c.kind === "config") {
    const files = { ...c.files, [c.file]: c.text };
    const gitlab = await loadRepoConfig({
      forge: "gitlab",
      configPath: c.file,
      readConfig: async () => ({ path: c.file, text: c.text }),
      readFile: async (p) => files[p] ?? null,
    });
    const octokit = new ProbotOctokit({
      auth: { token: "fuzz" },
      request: { fetch: contentsApi(files) },
      throttle: { enabled: false },
      retry: { enabled: false },
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const github = await loadRepoConfig(new GithubForge(octokit, "octo/hostile"));
    const a = useConfig(gitlab, c.jobName);
    const b = useConfig(github, c.jobName);
    return { errors: a.errors + b.errors };
  }
  if (c.kind === "rule") {
    const set = parseRuleText(c.text, c.file);
    if (set.sentinels.length > 0)
      classifyText(
        LOG,
        { sentinels: set.sentinels, issues: [] },
        { jobName: c.jobName, command: c.jobName, source: "log" },
      );
    return { errors: set.issues.filter((i) => i.severity === "error").length, sentinels: set.sentinels.length };
  }
  if (c.kind === "recipe") return { errors: parseRecipe(c.text, c.file).issues.length };
  throw new Error(`unknown case kind ${c.kind}`);
}

process.on("message", async (c) => {
  if (c.gc) {
    // Buffers behind fetch Responses are released by finalizers that run after a collection,
    // on a later turn: collect, let them run, collect again, or a round's last case shows as growth.
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const m = process.memoryUsage();
    return void process.send({ memory: { rss: m.rss, heapUsed: m.heapUsed, external: m.external } });
  }
  const t0 = performance.now();
  try {
    const result = await run(c);
    process.send({ id: c.id, ok: true, ms: performance.now() - t0, rss: process.memoryUsage.rss(), ...result });
  } catch (error) {
    // The validators promise never to throw for bad content: a throw is a finding.
    process.send({
      id: c.id,
      ok: false,
      ms: performance.now() - t0,
      rss: process.memoryUsage.rss(),
      error: String(error?.stack ?? error).slice(0, 500),
    });
  }
});
process.send({ ready: true });
