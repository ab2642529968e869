import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { agentsFrom, loadBuiltinRecipes } from "../../src/agents/index.js";
import type { FixDeps } from "../../src/pipeline/index.js";
import { detectSandbox, detectToolchains, egressFromEnv } from "../../src/sandbox/index.js";
import { loadBuiltinRules } from "../../src/sentinel/index.js";
import type { RunStore } from "../../src/store/index.js";
import { MirrorCache } from "../../src/workspace/index.js";

/**
 * What runFix needs on this machine, less the forge: the builtin agents and rules, the sandbox
 * there is, the toolchains' paths, fresh mirror and worktree folders (listed in `dirs` for the
 * caller to remove).
 */
export async function pipelineDeps(runs: RunStore, dirs: string[]): Promise<Omit<FixDeps, "forge">> {
  const scratch = () => {
    const d = mkdtempSync(path.join(tmpdir(), "sentinel-pipeline-"));
    dirs.push(d);
    return d;
  };
  const tools = detectToolchains();
  return {
    runs,
    mirrors: new MirrorCache(scratch()),
    workRoot: scratch(),
    agents: agentsFrom((await loadBuiltinRecipes()).recipes, []),
    rules: await loadBuiltinRules(),
    sandbox: detectSandbox(),
    sandboxPolicy: "preferred",
    logger: pino({ level: "silent" }),
    readOnlyPaths: tools.readOnlyPaths,
    toolEnv: tools.env,
    // Network steps reach the registries this machine's npm is configured with, through the egress proxy.
    egress: egressFromEnv(process.env),
  };
}
