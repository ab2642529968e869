import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localFixDeps, runFix, type FixDeps } from "../../src/pipeline/index.js";
import { classifyText, loadBuiltinRules, type Diagnosis } from "../../src/sentinel/index.js";
import { openDatabase, RunStore } from "../../src/store/index.js";
import { git } from "../support/git-repos.js";

const require = createRequire(import.meta.url);
const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-deps-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Prettier packed once from Sentinel's own devDependency: installs need no registry. */
const prettierTarball = (() => {
  let tgz: string | null = null;
  return () => {
    if (tgz) return tgz;
    const dir = scratch();
    const name = execFileSync(
      "npm",
      ["pack", path.dirname(require.resolve("prettier/package.json")), "--pack-destination", dir, "--silent"],
      { encoding: "utf8" },
    )
      .trim()
      .split("\n")
      .pop() as string;
    tgz = path.join(dir, name);
    return tgz;
  };
})();

/**
 * Where an install script leaves its marker: beside npm's cache, in the repository's dependency
 * cache, which outlives the run (the worktree does not, and nothing outside the worktree reaches a fix).
 */
const MARK = (name: string) =>
  `node -e "require('fs').writeFileSync(require('path').join(process.env.npm_config_cache, '..', '${name}'), '')"`;

/** A package whose postinstall leaves a marker. */
function markerPackage(into: string): string {
  const src = path.join(into, "marker-src");
  mkdirSync(src, { recursive: true });
  writeFileSync(
    path.join(src, "package.json"),
    JSON.stringify({
      name: "marker-dep",
      version: "1.0.0",
      scripts: {
        postinstall: MARK("DEP_POSTINSTALL_RAN"),
      },
    }),
  );
  const name = execFileSync("npm", ["pack", src, "--pack-destination", into, "--silent"], { encoding: "utf8" }).trim();
  return path.join(into, name);
}

/**
 * A user's JavaScript project as CI sees it: package.json whose `lint` script runs Prettier,
 * package-lock.json, an unformatted source file, node_modules ignored. Its own postinstall and
 * a dependency's both leave markers beside npm's cache, were install scripts to run.
 */
function jsProject(): { dir: string; sha: string; tarballs: string } {
  const tarballs = scratch();
  const prettier = path.join(tarballs, path.basename(prettierTarball()));
  cpSync(prettierTarball(), prettier);
  const marker = markerPackage(tarballs);
  const dir = scratch();
  git(dir, "init", "-q", "-b", "main");
  const manifest = {
    name: "demo",
    version: "1.0.0",
    private: true,
    scripts: {
      lint: "prettier --check .",
      postinstall: MARK("ROOT_POSTINSTALL_RAN"),
    },
    devDependencies: { prettier: `file:${prettier}`, "marker-dep": `file:${marker}` },
  };
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  execFileSync("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"], {
    cwd: dir,
  });
  writeFileSync(path.join(dir, "index.js"), "const greet = (name)=>{return 'hello '+name}\nmodule.exports = {greet}\n");
  writeFileSync(path.join(dir, ".prettierignore"), "package-lock.json\n");
  writeFileSync(path.join(dir, ".gitignore"), "node_modules/\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return { dir, sha: git(dir, "rev-parse", "HEAD"), tarballs };
}

async function fixWith(
  project: { dir: string; sha: string; tarballs: string },
  command: string,
  o: { cacheDir?: string; deps?: Partial<FixDeps>; diagnosis?: Diagnosis } = {},
) {
  const db = await openDatabase({});
  const runs = new RunStore(db);
  const work = scratch();
  const cacheDir = o.cacheDir ?? path.join(work, "dependency-cache");
  try {
    const deps = await localFixDeps({
      runs,
      repo: project.dir,
      mirrorsDir: path.join(work, "mirrors"),
      workRoot: path.join(work, "worktrees"),
      dependencyCacheDir: cacheDir,
      readOnlyPaths: [project.tarballs],
    });
    const out = await runFix(
      { ...deps, ...o.deps },
      {
        forge: "local",
        repo: project.dir,
        sha: project.sha,
        baseBranch: "main",
        failingCommand: ["sh", "-c", command],
        ...(o.diagnosis ? { diagnosis: o.diagnosis } : {}),
      },
    );
    return { out, ledger: await runs.ledger(out.runId), cacheDir };
  } finally {
    await db.close();
  }
}

// Prettier's own output for this project in CI.
const CI_OUTPUT =
  "> demo@1.0.0 lint\n> prettier --check .\n\nChecking formatting...\n[warn] index.js\n[warn] Code style issues found in the above file. Run Prettier with --write to fix.\n";

const kinds = (ledger: Array<{ kind: string; data: Record<string, unknown> }>, kind: string) =>
  ledger.filter((e) => e.kind === kind).map((e) => e.data);

describe("reproducing a JavaScript project's failure as its CI does", () => {
  it("installs the project's dependencies before `npm run lint`, which is then diagnosed as Prettier's failure and fixed", async () => {
    const project = jsProject();
    const { out, ledger } = await fixWith(project, "npm run lint");
    expect(kinds(ledger, "diagnosis")).toEqual([expect.objectContaining({ category: "format", tool: "prettier" })]);
    expect(kinds(ledger, "install")).toEqual([
      expect.objectContaining({ manager: "npm", lockfile: "package-lock.json", mode: "online", exitCode: 0 }),
    ]);
    expect(out).toMatchObject({ status: "proposed", agentId: "prettier-write" });
    expect(git(project.dir, "show", `${out.branch}:index.js`)).toBe(
      'const greet = (name) => {\n  return "hello " + name;\n};\nmodule.exports = { greet };',
    );
  }, 120_000);

  it("installs, once the policy allows the run, what VERIFY needs to re-run a failing command CI diagnosed", async () => {
    const project = jsProject();
    const diagnosis = classifyText(CI_OUTPUT, await loadBuiltinRules(), { command: "npm run lint" });
    const gate = async () => ({ verdict: "allow", action: "propose" }) as const;
    const { out, ledger } = await fixWith(project, "npm run lint", { diagnosis, deps: { gate } });
    // Not diagnosed again: CI's diagnosis stands; the install follows the policy's yes and precedes the fixer.
    expect(kinds(ledger, "diagnosis")).toEqual([]);
    const order = ledger
      .map((e) => e.kind)
      .filter((k) => ["policy.decision", "install", "command", "verify"].includes(k));
    // One command: the recipe's own npm ci finds node_modules installed and is skipped; then its fix.
    expect(order).toEqual(["policy.decision", "install", "command", "verify", "policy.decision"]);
    expect(kinds(ledger, "install")).toEqual([expect.objectContaining({ mode: "online", exitCode: 0 })]);
    expect(out).toMatchObject({ status: "proposed", agentId: "prettier-write" });
  }, 120_000);

  it("installs nothing while the policy makes the run wait for a maintainer", async () => {
    const project = jsProject();
    const diagnosis = classifyText(CI_OUTPUT, await loadBuiltinRules(), { command: "npm run lint" });
    const gate = async () => ({ verdict: "wait", rule: "policy.approval", message: "a maintainer approves" }) as const;
    const { out, ledger } = await fixWith(project, "npm run lint", { diagnosis, deps: { gate } });
    expect(out.status).toBe("waiting-approval");
    expect(kinds(ledger, "install")).toEqual([]);
  }, 120_000);

  it("runs no install script, neither the project's own nor a dependency's", async () => {
    const project = jsProject();
    // The fixture's scripts are real: a plain install runs both.
    const control = scratch();
    cpSync(project.dir, path.join(control, "repo"), { recursive: true });
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--silent"], {
      cwd: path.join(control, "repo"),
      env: { ...process.env, npm_config_cache: path.join(control, "cache", "npm") },
    });
    const ran = (cache: string) =>
      ["ROOT_POSTINSTALL_RAN", "DEP_POSTINSTALL_RAN"].filter((m) => existsSync(path.join(cache, m)));
    expect(ran(path.join(control, "cache"))).toEqual(["ROOT_POSTINSTALL_RAN", "DEP_POSTINSTALL_RAN"]);

    const { out, ledger, cacheDir } = await fixWith(project, "npm run lint");
    expect(kinds(ledger, "install")).toEqual([expect.objectContaining({ exitCode: 0 })]);
    expect(out.status).toBe("proposed");
    const [repoCache] = readdirSync(cacheDir);
    expect(ran(path.join(cacheDir, repoCache as string))).toEqual([]);
  }, 120_000);

  it("installs nothing before a command that needs nothing installed", async () => {
    const project = jsProject();
    // Fails, and so is diagnosed, only in a worktree without node_modules: an install would make it pass.
    const { out, ledger } = await fixWith(project, "test ! -e node_modules && exit 1");
    expect(kinds(ledger, "install")).toEqual([]);
    expect(kinds(ledger, "install.skipped")).toEqual([
      { manager: "npm", because: "the command runs no JavaScript runner and no bin of the dependencies" },
    ]);
    expect(out.status).toBe("no-agent");
  }, 120_000);

  it("says the install failed, with npm's own last lines, instead of diagnosing the tool it could not install", async () => {
    const project = jsProject();
    // The lockfile names a tarball that is no longer there: npm ci cannot install it, offline or online.
    for (const f of readdirSync(project.tarballs))
      if (f.startsWith("marker-dep")) rmSync(path.join(project.tarballs, f));
    const { out, ledger } = await fixWith(project, "npm run lint");
    expect(out).toMatchObject({ status: "error", rule: "install" });
    expect(out.reason).toMatch(
      /^could not install the dependencies `npm run lint` needs, so its failure was not reproduced: `npm ci --ignore-scripts .*` \(from package-lock\.json\) failed online \(exit \d+\); npm printed last: .*npm error/,
    );
    expect(out.reason).toContain("marker-dep");
    expect(kinds(ledger, "diagnosis")).toEqual([]);
    const [attempt] = kinds(ledger, "install");
    expect(attempt).toMatchObject({ manager: "npm", mode: "online" });
    expect(attempt!.exitCode).not.toBe(0);
    expect((attempt!.lastLines as string[]).some((l) => l.startsWith("npm error"))).toBe(true);
  }, 120_000);

  it("says an install from the registry needs bubblewrap where there is none", async () => {
    const project = jsProject();
    const { out, ledger } = await fixWith(project, "npm run lint", { deps: { sandbox: "none" } });
    expect(out).toMatchObject({ status: "error", rule: "install" });
    expect(out.reason).toContain("was not tried online: a network step needs the bubblewrap sandbox");
    expect(kinds(ledger, "install")).toEqual([]);
  }, 120_000);

  it("lets `npx` of a package the project lacks fail at its first registry request: no network, no minute of retries", async () => {
    const project = jsProject();
    const { out, ledger, cacheDir } = await fixWith(project, "npx sentinel-no-such-dependency --check .");
    expect(kinds(ledger, "diagnosis")).toEqual([expect.objectContaining({ category: "infra" })]);
    expect(out.status).toBe("no-agent");
    // npm's debug log (in the repository's npm cache) lists every attempt it made.
    const [repoCache] = readdirSync(cacheDir);
    const logs = path.join(cacheDir, repoCache as string, "npm", "_logs");
    const log = readdirSync(logs)
      .map((f) => readFileSync(path.join(logs, f), "utf8"))
      .find((text) => text.includes("sentinel-no-such-dependency attempt 1 failed"));
    expect(log).toBeDefined();
    expect(log).not.toContain("attempt 2 failed");
  }, 120_000);
});
