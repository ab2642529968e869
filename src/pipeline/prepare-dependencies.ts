import { commandLine } from "../core/index.js";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  describeInstall,
  detectPackageManager,
  excludeInstalledFiles,
  installCommand,
  type InstallMode,
  type PackageManager,
  type Worktree,
} from "../workspace/index.js";
import { dependencyNeed } from "./needs-dependencies.js";
import type { RunContext } from "./run-context.js";
import { RunStop } from "./run-stop.js";
import { runStep, stopAtLimit } from "./worktree-commands.js";

// The fixer's PATH when the toolchains set none (sandbox/fixer-env.ts).
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const OFFLINE_TIMEOUT_MS = 300_000;
const ONLINE_TIMEOUT_MS = 600_000;

/**
 * Installs what `command` needs before it runs, as the repository's CI does (see
 * docs/operations.md, "How Sentinel reproduces a failure"): the package manager and lockfile
 * the repository uses, lifecycle scripts off, first offline from the repository's dependency
 * cache, then from the registry through the egress proxy. Each attempt is in the ledger
 * (`install`). An install that fails stops the run saying so, with the package manager's last
 * lines: the command's own failure would only be "eslint: not found". Done once per run.
 */
export async function prepareDependencies(ctx: RunContext, command: readonly string[]): Promise<void> {
  if (ctx.dependencies) return;
  const { deps, runId } = ctx;
  const wt = ctx.worktree as Worktree;
  const pm = detectPackageManager(wt.path);
  const need = dependencyNeed(command, { hasPackageJson: pm !== null, bins: pm?.bins ?? new Set() });
  if (!pm || !need.needed) {
    ctx.dependencies = { installed: false, because: need.because };
    // Only a JavaScript project's skipped install is news; a Go repository's is not.
    if (pm) await deps.runs.record(runId, "install.skipped", { manager: pm.name, because: need.because });
    return;
  }
  await excludeInstalledFiles(wt);
  const failures: string[] = [];
  let output = "";
  const { modes, notTried } = attemptsFor(ctx, pm);
  for (const mode of modes) {
    const install = installCommand(pm, mode, ctx.command.cacheDir ?? null);
    const attempt = { ...ctx, command: { ...ctx.command, env: { ...ctx.command.env, ...install.env } } };
    const { result } = await runStep(attempt, install.argv, {
      step: "install",
      timeoutMs: mode === "offline" ? OFFLINE_TIMEOUT_MS : ONLINE_TIMEOUT_MS,
      ...(mode === "online" ? { network: true } : {}),
    });
    const ok = result.exitCode === 0;
    await deps.runs.record(runId, "install", {
      manager: pm.name,
      version: pm.version || null,
      lockfile: pm.lockfile,
      detectedFrom: pm.detectedFrom,
      because: need.because,
      mode,
      command: describeInstall(install.argv),
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      ms: result.durationMs,
      sandboxed: result.sandboxed,
      egressRefusals: result.egressRefusals,
      ...(ok ? {} : { lastLines: lastLines(result.output) }),
    });
    stopAtLimit("install", result);
    if (ok) {
      ctx.dependencies = { installed: true, manager: pm.name, mode, because: need.because };
      await providePackageManager(ctx, pm);
      return;
    }
    failures.push(`failed ${mode} (${result.timedOut ? "timed out" : `exit ${result.exitCode}`})`);
    output = result.output;
  }
  const printed = lastLines(output).slice(-3);
  throw new RunStop(
    "error",
    `could not install the dependencies \`${commandLine(command)}\` needs, so its failure was not reproduced: ` +
      `\`${describeInstall(installCommand(pm, "online", null).argv)}\` (from ${pm.detectedFrom}) ${[...failures, ...notTried].join("; ")}` +
      (printed.length > 0 ? `; ${managerName(pm)} printed last: ${printed.join(" | ")}` : ""),
    "install",
  );
}

/**
 * Which installs to try: offline first when the repository's cache holds something for this
 * package manager, then online when a network step can run here (bubblewrap and an egress
 * policy). What cannot be tried is said, so the run's outcome says why.
 */
function attemptsFor(ctx: RunContext, pm: PackageManager): { modes: InstallMode[]; notTried: string[] } {
  if (pm.name === "bun" && !onPath(ctx, "bun"))
    return {
      modes: [],
      notTried: ["was not tried: bun is not installed on this worker (Sentinel does not download it)"],
    };
  const modes: InstallMode[] = cacheHolds(ctx, pm) ? ["offline"] : [];
  if (ctx.deps.sandbox !== "bubblewrap")
    return {
      modes,
      notTried: [
        "was not tried online: a network step needs the bubblewrap sandbox (its own network namespace behind the egress proxy)",
      ],
    };
  if (!ctx.deps.egress)
    return { modes, notTried: ["was not tried online: no egress policy names a registry it may reach"] };
  return { modes: [...modes, "online"], notTried: [] };
}

/** Whether the repository's dependency cache has anything an offline install of this manager could use. */
function cacheHolds(ctx: RunContext, pm: PackageManager): boolean {
  const cache = ctx.command.cacheDir;
  if (!cache) return false;
  const folder = {
    npm: "npm",
    pnpm: "pnpm-store",
    "yarn-classic": "yarn",
    "yarn-berry": "yarn-berry",
    bun: "bun",
  }[pm.name];
  const dir = path.join(cache, folder);
  return existsSync(dir) && readdirSync(dir).length > 0;
}

/**
 * CI sets up the repository's pnpm or yarn before its commands run (`pnpm lint`); here the
 * failing command, the fixers and VERIFY find that same release first on PATH: a shim in the
 * run's HOME that runs it from the npm cache the install put it in, offline.
 */
async function providePackageManager(ctx: RunContext, pm: PackageManager): Promise<void> {
  const home = ctx.command.home;
  if (!home || (pm.name !== "pnpm" && pm.name !== "yarn-classic" && pm.name !== "yarn-berry")) return;
  const { argv } = installCommand(pm, "offline", null);
  const bin = argv[argv.indexOf("--") + 1] as string;
  const pkg = argv.find((a) => a.startsWith("--package=")) as string;
  const dir = path.join(home, ".sentinel-bin");
  await mkdir(dir, { recursive: true });
  const shim = path.join(dir, bin);
  // `npm exec` takes seconds to start: the shim asks it once where the bin is, then runs that.
  const script = [
    "#!/bin/sh",
    `real=$(cat "$0.path" 2>/dev/null)`,
    // Never itself: `command -v` under `npm exec` finds the release npm installed before this shim.
    `{ [ -x "$real" ] && [ "$real" != "$0" ]; } || { real=$(npm exec --yes --offline ${pkg} -- sh -c 'command -v ${bin}') && [ "$real" != "$0" ] && printf '%s' "$real" > "$0.path"; } || exit 127`,
    `exec "$real" "$@"`,
  ];
  await writeFile(shim, script.join("\n") + "\n", { mode: 0o755 });
  if (bin === "yarn") await symlink(shim, path.join(dir, "yarnpkg")).catch(() => undefined); // present already: same shim
  const searchPath = ctx.command.env.PATH ?? `${path.dirname(process.execPath)}:${SYSTEM_PATH}`;
  ctx.command.env = { ...ctx.command.env, PATH: `${dir}${path.delimiter}${searchPath}` };
}

function onPath(ctx: RunContext, tool: string): boolean {
  const searchPath = ctx.command.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  return searchPath.split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, tool)));
}

function managerName(pm: PackageManager): string {
  return pm.name.startsWith("yarn") ? "yarn" : pm.name;
}

/** The lines an install printed that say why it failed: npm's `npm error` lines, else its last lines. */
function lastLines(output: string): string[] {
  const lines = output
    .replace(/\n+$/, "")
    .split("\n")
    .map((l) => l.slice(0, 300));
  const errors = lines.filter((l) => /^(npm (error|ERR!)|ERR_PNPM|error |\s*ERR |YN\d{4}:.*(ERROR|error))/.test(l));
  // npm closes every failure with where its debug log is: the worker's path, not news to anyone.
  const useful = (errors.length > 0 ? errors : lines).filter((l) => !/A complete log of this run/.test(l));
  return useful.slice(-20);
}

/**
 * npm settings for everything the run executes, in its HOME (which no repository can write; a
 * repository's own .npmrc still wins, as in its CI): a failing command's `npx tool` for a tool no
 * dependency provides asks the registry, which a step without network cannot reach, and npm's
 * default retries wait 70 s before saying so. Installs pass their own `--fetch-retries`.
 */
export async function writeFixerNpmrc(home: string): Promise<void> {
  await mkdir(home, { recursive: true });
  await writeFile(path.join(home, ".npmrc"), "fetch-retries=0\n");
}
