import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import { agentsFrom, loadBuiltinRecipes, type Agent, type Recipe } from "../../../src/agents/index.js";
import { classifyText, loadBuiltinRules, type Diagnosis } from "../../../src/sentinel/index.js";
import { git, localRepo } from "../../support/git-repos.js";

/** Whether `command --version`-style probing finds the tool; in CI a missing tool fails the suite. */
export function hasTool(name: string, args: string[] = ["--version"]): boolean {
  const ok = spawnSync(name, args, { stdio: "ignore" }).status === 0;
  if (ok) return true;
  if (process.env.CI === "true")
    throw new Error(`${name} is required in CI for the scoped-fix tests (.ci/run installs it)`);
  console.warn(`\n!!! ${name} is not installed: its scoped-fix tests are SKIPPED.\n`);
  return false;
}

/** Sentinel's own node_modules, where the prettier and eslint the JS cases run come from. */
const NODE_MODULES = path.resolve(import.meta.dirname, "../../../node_modules");

export interface Repo {
  readonly dir: string;
  /** `sh -c <line>` in the repository: exit status and what it printed (stdout then stderr). */
  sh(line: string): { status: number; output: string };
  /** Paths git sees changed or added, sorted. */
  changed(): string[];
  read(file: string): string;
}

/** A committed repository of `files`; `nodeModules` links Sentinel's node_modules in (ignored by git). */
export function repoOf(
  files: Readonly<Record<string, string>>,
  dirs: string[],
  o: { nodeModules?: boolean } = {},
): Repo {
  const { dir } = localRepo(
    { ...files, ".gitignore": ["node_modules", "target/", ".ruff_cache/", files[".gitignore"] ?? ""].join("\n") },
    "sentinel-scoped-",
  );
  dirs.push(dir);
  if (o.nodeModules) symlinkSync(NODE_MODULES, path.join(dir, "node_modules"));
  return {
    dir,
    sh(line) {
      const r = spawnSync("sh", ["-c", line], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
    },
    changed() {
      return git(dir, "ls-files", "--modified", "--others", "--exclude-standard").split("\n").filter(Boolean).sort();
    },
    read: (file) => readFileSync(path.join(dir, file), "utf8"),
  };
}

/** What the real check printed in `repo`, diagnosed with the builtin sentinels as PREFLIGHT does. */
export async function diagnose(repo: Repo, check: string): Promise<{ diagnosis: Diagnosis; reported: string[] }> {
  const { status, output } = repo.sh(check);
  if (status === 0) throw new Error(`\`${check}\` passed; the case needs it to fail:\n${output}`);
  const diagnosis = classifyText(output, await loadBuiltinRules(), { command: check, workspaceRoots: [repo.dir] });
  const reported = [...new Set(diagnosis.findings.flatMap((f) => (f.file ? [f.file] : [])))].sort();
  return { diagnosis, reported };
}

export async function agentFor(id: string, extra: readonly Recipe[] = []): Promise<Agent> {
  const agent = agentsFrom((await loadBuiltinRecipes()).recipes, extra).find((a) => a.id === id);
  if (!agent) throw new Error(`no recipe ${id}`);
  return agent;
}

/**
 * Plans the recipe for the check's real failure in `repo` and runs its offline steps there (the
 * pipeline runs the same argv in the sandbox; installs are left out: the tools are here). Returns
 * the planned commands.
 */
export function runPlan(agent: Agent, repo: Repo, diagnosis: Diagnosis, failing: string[] | null): string[][] {
  const ctx = {
    diagnosis,
    fileExists: (p: string) => existsSync(path.join(repo.dir, p)),
    failingCommand: failing,
    readFile: (p: string) => (existsSync(path.join(repo.dir, p)) ? repo.read(p) : null),
  };
  if (agent.handles(ctx) === null) throw new Error(`${agent.id} declined: ${agent.declined?.(ctx)}`);
  const steps = agent.plan(ctx).filter((s) => !s.network);
  for (const s of steps) {
    const r = spawnSync(s.command[0]!, s.command.slice(1), { cwd: repo.dir, encoding: "utf8" });
    if (r.status !== 0 && s.onError !== "continue")
      throw new Error(`${s.command.join(" ")} exited ${r.status}: ${r.stdout}${r.stderr}`);
  }
  return steps.map((s) => [...s.command]);
}

/** Runs a fixer by hand, as a developer would on the files the check reported. */
export function byHand(repo: Repo, argv: string[]): void {
  execFileSync(argv[0]!, argv.slice(1), { cwd: repo.dir, stdio: "pipe" });
}
