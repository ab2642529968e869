import { execFileSync } from "node:child_process";
import path from "node:path";
import { existsSync } from "node:fs";
import { discoverChecks, llmSettingsFromEnv, loadBuiltinRecipes } from "../agents/index.js";
import { effectiveMode, loadRepoConfig, parseLlmEnv } from "../config/index.js";
import {
  localFixDeps,
  localGate,
  repoAgents,
  runFix,
  Trust,
  withModelAgent,
  type FixOutcome,
} from "../pipeline/index.js";
import type { Policy } from "../policy/index.js";
import { mergeRuleSets } from "../sentinel/index.js";
import { detectToolchains, probeSandbox } from "../sandbox/index.js";
import { readLedger } from "../ledger/index.js";
import { silentLogger } from "../core/index.js";
import { Store, type Database } from "../store/index.js";
import type { MirrorCache } from "../workspace/index.js";
import { loadCliRules } from "./load-cli-rules.js";
import { localConfigReader } from "./local-repo-config.js";
import type { CliIo } from "./io.js";
import type { RepoHead } from "./repo-head.js";
import { cliDataDir } from "./store-options.js";

export interface FixFlags {
  repo: string;
  command?: string;
  base?: string;
  dataDir: string;
  databaseUrl?: string;
  rules?: string[];
  builtin?: boolean;
  requireSandbox?: boolean;
  format: "text" | "json";
}

/**
 * What `sentinel fix` does once its flags are parsed and the repository's HEAD is read
 * (fix-command.ts: it starts opening the store before this module and the pipeline load).
 */
export async function runFixAction(
  io: CliIo,
  setExitCode: (code: number) => void,
  opts: FixFlags,
  started: { repo: string; head: RepoHead; opening: Promise<Database>; mirrors: MirrorCache },
): Promise<void> {
  const { repo, opening } = started;
  const { sha, base } = started.head;
  // bwrap's probes run while the config is read and the store opens, not after.
  const probing = probeSandbox();
  // The repository's own config at the commit being fixed: its recipes, sentinels and policy hold
  // here as they do in the service. A broken config stops the run, as it stops the service's fixes.
  const reader = localConfigReader(repo, sha);
  const loaded = await loadRepoConfig(reader);
  if (loaded.errors.length > 0) {
    // The config's problems are what the user must see; a store that failed to open adds nothing.
    await opening.then((db) => db.close()).catch(() => undefined);
    for (const e of loaded.errors) io.stderr.write(`sentinel fix: ${e}\n`);
    io.stderr.write(
      "sentinel fix: the repository's Sentinel config has errors; fix them (see docs/policy.md) and run again\n",
    );
    return setExitCode(2);
  }
  const { config } = loaded;
  const db = await opening;
  try {
    const store = new Store(db);
    const runs = store.runs;
    const sandbox = await probing;
    if (sandbox === "none")
      io.stderr.write(
        "sentinel fix: WARNING no sandbox (bubblewrap) here: fixers run with a scrubbed environment only\n",
      );
    const trust = new Trust(store.gov);
    const { deps, tierAtGate } = await repositoryFixDeps(io, opts, {
      repo,
      mirrors: started.mirrors,
      reader,
      loaded,
      runs,
      models: store.models,
      trust,
    });
    const commands = opts.command ? [["sh", "-c", opts.command]] : await discoveredCommands(repo);
    if (commands.length === 0) {
      io.stderr.write(
        "sentinel fix: no --command given, and no builtin check applies to this repository (they need Cargo.toml, go.mod or pyproject.toml and the tool installed); name the failing command with --command\n",
      );
      return setExitCode(2);
    }
    // The first check that fails is the failure to fix; the ones before it passed.
    let outcome = await runFix(deps, { forge: "local", repo, sha, baseBranch: base, failingCommand: commands[0]! });
    for (const command of commands.slice(1)) {
      if (outcome.status !== "nothing-to-fix") break;
      if (opts.format !== "json") io.stderr.write(`sentinel fix: ${outcome.reason}; trying the next check\n`);
      outcome = await runFix(deps, { forge: "local", repo, sha, baseBranch: base, failingCommand: command });
    }
    // Two store round trips side by side: the tier's record, and the pull request to show.
    const [, pr] = await Promise.all([
      recordTier(trust, config.policy, repo, outcome, tierAtGate()),
      outcome.pullRequest ? runs.findPullRequest("local", repo, outcome.branch as string) : null,
    ]);
    if (opts.format === "json") {
      io.stdout.write(JSON.stringify({ schemaVersion: 1, ...outcome, pullRequest: pr }, null, 2) + "\n");
      return setExitCode(outcome.status === "proposed" || outcome.status === "nothing-to-fix" ? 0 : 1);
    }
    const lines = [`run ${outcome.runId}: ${outcome.status}`, `  ${outcome.reason}`];
    if (outcome.agentId) lines.push(`  agent: ${outcome.agentId}`);
    const printed = await unknownOutputOf(db, outcome.runId);
    if (printed.length > 0)
      lines.push("  no sentinel knew the output; the command printed last:", ...printed.map((l) => `  | ${l}`));
    if (outcome.branch)
      lines.push(
        `  branch: ${outcome.branch} (${outcome.commit?.slice(0, 7)}) in ${repo}`,
        `  see it: git -C ${repo} show ${outcome.branch}`,
      );
    if (pr) {
      lines.push(`  local pull request #${pr.number}: ${pr.title} (${pr.headBranch} -> ${pr.baseBranch})`);
    }
    const ms = Object.entries(outcome.phaseMs)
      .map(([p, v]) => `${p} ${v} ms`)
      .join(", ");
    lines.push(`  phases: ${ms}`);
    io.stdout.write(lines.join("\n") + "\n");
    setExitCode(outcome.status === "proposed" || outcome.status === "nothing-to-fix" ? 0 : 1);
  } finally {
    await db.close();
  }
}

/** The builtin recipes' checks for this repository's HEAD, with the tools this machine has. */
async function discoveredCommands(repo: string): Promise<string[][]> {
  const { recipes } = await loadBuiltinRecipes();
  const inHead = (file: string) => {
    try {
      execFileSync("git", ["-C", repo, "cat-file", "-e", `HEAD:${file}`], { stdio: "ignore" });
      return true;
    } catch {
      // git exits non-zero when the file is not in HEAD: that is the answer.
      return false;
    }
  };
  // The PATH fixers get (toolchains in the home folder included), not only this shell's.
  const searchPath = detectToolchains().env.PATH ?? process.env.PATH ?? "";
  const onPath = (tool: string) =>
    /^[A-Za-z0-9._-]+$/.test(tool) &&
    searchPath.split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, tool)));
  return discoverChecks(recipes, { file: inHead, tool: onPath }).map((c) => [...c.command]);
}

/** What the failing command printed last, when its diagnosis was `unknown` (PREFLIGHT records it in the ledger). */
async function unknownOutputOf(db: Database, runId: string): Promise<string[]> {
  for await (const e of readLedger(db, { runId }))
    if (e.kind === "diagnosis" && Array.isArray(e.data.lastLines)) return e.data.lastLines.map(String);
  return [];
}

/** The pipeline's dependencies for this repository: its config's recipes, sentinels and policy. */
async function repositoryFixDeps(
  io: CliIo,
  opts: FixFlags,
  r: {
    repo: string;
    reader: ReturnType<typeof localConfigReader>;
    loaded: Awaited<ReturnType<typeof loadRepoConfig>>;
    runs: Store["runs"];
    models: Store["models"];
    trust: Trust;
    mirrors: MirrorCache;
  },
) {
  const { config } = r.loaded;
  // Worktrees sit next to the store's folder (as the mirrors do: fix-command.ts), wherever the records go.
  const dataRoot = path.dirname(cliDataDir(opts));
  // --rules adds to the repository's sentinels; --no-builtin leaves only the named files.
  const extra =
    (opts.rules?.length ?? 0) > 0 || opts.builtin === false
      ? await loadCliRules({ rules: opts.rules ?? [], builtin: false }, io.stderr)
      : null;
  const rules = opts.builtin === false && extra ? extra : extra ? mergeRuleSets(r.loaded.rules, extra) : r.loaded.rules;
  // Running `sentinel fix` is the opt-in for this one fix, like a maintainer's `/sentinel fix`.
  const mode = effectiveMode(config) === "diagnose" ? "propose" : effectiveMode(config);
  const { gate, tierAtGate } = localGate({
    trust: r.trust,
    policy: config.policy,
    mode,
    fixCategories: config.fix.categories,
    repo: r.repo,
  });
  const base = await localFixDeps({
    runs: r.runs,
    repo: r.repo,
    mirrors: r.mirrors,
    workRoot: path.join(dataRoot, "worktrees"),
    dependencyCacheDir: path.join(dataRoot, "dependency-cache"),
    // The model agent joins when SENTINEL_LLM_* names an endpoint and the repository opted in (llm.enabled).
    agents: withModelAgent(
      await repoAgents(r.reader.readFile, config.fix.recipes, config.fix.disable, silentLogger(), r.repo),
      {
        settings: llmSettingsFromEnv(parseLlmEnv(process.env)),
        config: config.llm,
        memory: r.models,
        where: { forge: "local", repo: r.repo, installation: "local" },
        logger: silentLogger(),
      },
    ),
    rules,
    sandboxPolicy: opts.requireSandbox ? "required" : "preferred",
  });
  return { deps: { ...base, gate, errorBudget: config.policy.errorBudget }, tierAtGate };
}

/**
 * Local runs show in `sentinel tiers` and on the dashboard's agents page: an agent that ran is
 * listed at its tier. A verified shadow run at T0 counts towards promotion, as in the service; a
 * local pull request earns nothing by itself, since its merge happens where Sentinel cannot see.
 */
async function recordTier(
  trust: Trust,
  policy: Policy,
  repo: string,
  outcome: FixOutcome,
  tierAtGate: ReturnType<ReturnType<typeof localGate>["tierAtGate"]>,
): Promise<void> {
  if (!outcome.agentId || tierAtGate === null) return;
  const evidence = { runId: outcome.runId, evidence: `local run: ${outcome.status}` };
  if (outcome.status === "shadow" && tierAtGate === 0)
    await trust.recordClean("local", repo, outcome.agentId, policy, { ...evidence, diff: outcome.diff ?? null });
  else await trust.register("local", repo, outcome.agentId, policy, evidence);
}
