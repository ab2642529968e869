import { randomBytes } from "node:crypto";
import path from "node:path";
import { systemBinary } from "./rlimits.js";
import { SandboxError } from "./sandbox-error.js";

/** Variables a fixer may see. Everything else (tokens, DATABASE_URL, REDIS_URL, keys) is dropped. */
const ALLOWED_ENV = ["LANG", "LC_ALL", "TZ"];
/** Names that must never reach a fixer even when a recipe asks for them. */
const DENIED_ENV =
  /TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|KEY|CREDENTIAL|AUTH|DATABASE_URL|REDIS_URL|_URL$|^GIT_|^GH_|^GITHUB_|^GITLAB_|^NPM_CONFIG_(?!CACHE$)|^AWS_|^GOOGLE_|^AZURE_/i;
/** Names the runner decides: the proxy and where HOME is. */
const RUNNER_ENV = /^(HOME|(HTTPS?|ALL|NO|YARN_HTTPS?|PIP|CARGO_HTTP)_PROXY|YARN_PROXY)$/i;
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A yarn rc file name no repository has: yarn berry then reads no `.yarnrc.yml` of the repository's. */
const IGNORED_YARNRC = `.sentinel-no-yarnrc-${randomBytes(6).toString("hex")}.yml`;

/**
 * The package managers' settings that decide which code they run, forced for every fixer: the
 * environment beats a repository's own config files (`.npmrc`, `.yarnrc`), so a repository
 * cannot point npm's `git` at a script of its own, load a pnpmfile, or swap in its own yarn.
 * Measured with npm 11, pnpm 10 and yarn 1 and 4 (test/sandbox/package-manager-knobs.test.ts):
 * pnpm 10 lets `pnpm-workspace.yaml` settings beat the environment, so a pnpm recipe must also
 * pass `--ignore-pnpmfile --ignore-scripts`; yarn 4 runs the workspace's own postinstall whatever
 * enableScripts says (`--mode=skip-build` or `update-lockfile` stops it) and reads
 * `$HOME/.yarnrc.yml` whatever YARN_RC_FILENAME says, so HOME must be a directory the repository
 * cannot fill (RunCommandOptions.home).
 */
export function lockedPackageManagerEnv(): Record<string, string> {
  return {
    npm_config_ignore_scripts: "true",
    npm_config_update_notifier: "false",
    // An absolute path: `git=./evil.sh` in a repository's .npmrc would otherwise run under `npm ci`.
    npm_config_git: systemBinary("git") ?? "/nonexistent/git",
    npm_config_ignore_pnpmfile: "true",
    // yarn 1: no `yarn-path` from .yarnrc, no lifecycle scripts (it does not read npm's setting).
    YARN_IGNORE_PATH: "1",
    YARN_IGNORE_SCRIPTS: "true",
    // yarn 2+: no `yarnPath`, no plugins, no scripts from the repository's .yarnrc.yml.
    YARN_RC_FILENAME: IGNORED_YARNRC,
    YARN_ENABLE_SCRIPTS: "0",
  };
}

/**
 * The environment a fixer runs with: an allowlist, HOME (inside the workspace unless the caller
 * gives one outside it), CI=1, and the package managers' code-running knobs forced off.
 */
export function fixerEnv(
  workdir: string,
  extra: Readonly<Record<string, string>> = {},
  parent: NodeJS.ProcessEnv = process.env,
  home?: string,
): Record<string, string> {
  const locked = lockedPackageManagerEnv();
  const env: Record<string, string> = {
    PATH: `${path.dirname(process.execPath)}:${SYSTEM_PATH}`,
    // Inside the worktree (the one writable place) by default; commits leave it out (workspace FIXER_HOME).
    HOME: home ?? path.join(workdir, ".sentinel-home"),
    CI: "1",
    TERM: "dumb",
  };
  for (const name of ALLOWED_ENV) if (parent[name] !== undefined) env[name] = parent[name] as string;
  const lockedNames = new Set(Object.keys(locked).map((k) => k.toLowerCase()));
  for (const [name, value] of Object.entries(extra)) {
    if (DENIED_ENV.test(name))
      throw new SandboxError(
        "E_SANDBOX_ENV_DENIED",
        `a fixer may not be given ${name}: secrets never enter a fixer's environment`,
      );
    if (lockedNames.has(name.toLowerCase()) || RUNNER_ENV.test(name))
      throw new SandboxError("E_SANDBOX_ENV_DENIED", `a fixer may not be given ${name}: the sandbox sets it`);
    env[name] = value;
  }
  return { ...env, ...locked };
}
