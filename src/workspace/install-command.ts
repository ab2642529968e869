import path from "node:path";
import type { PackageManager } from "./package-manager.js";

/** `offline`: only the repository's dependency cache. `online`: the registry too (cache first). */
export type InstallMode = "offline" | "online";

export interface InstallCommand {
  readonly argv: readonly string[];
  /** Settings only this install gets (yarn 2+ reads no command-line flag for them). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The install a repository's CI runs, with lifecycle scripts off and the lockfile frozen:
 * `npm ci` (`npm install --no-package-lock` without a lockfile, so the worktree gains no file),
 * `pnpm install --frozen-lockfile`, `yarn install --frozen-lockfile` (yarn 1) or `--immutable`
 * (yarn 2+), `bun install --frozen-lockfile`. pnpm and yarn run at the repository's own release
 * through `npm exec`, which keeps them in the npm cache: a second run finds them offline.
 * `cacheDir` is the repository's dependency cache (pnpm's store goes in it); null without one.
 */
export function installCommand(pm: PackageManager, mode: InstallMode, cacheDir: string | null): InstallCommand {
  const offline = mode === "offline";
  // npm's own flags: cache only, or cache first; a registry hiccup is retried twice online.
  const npmFlags = offline ? ["--offline"] : ["--prefer-offline", "--fetch-retries=2"];
  const viaNpm = (pkg: string, bin: string) => ["npm", "exec", "--yes", ...npmFlags, `--package=${pkg}`, "--", bin];
  switch (pm.name) {
    case "npm":
      return {
        argv: [
          "npm",
          ...(pm.lockfile ? ["ci"] : ["install", "--no-package-lock"]),
          "--ignore-scripts",
          "--no-audit",
          "--no-fund",
          ...npmFlags,
        ],
        env: {},
      };
    case "pnpm":
      return {
        argv: [
          ...viaNpm(`pnpm@${pm.version}`, "pnpm"),
          "install",
          pm.lockfile ? "--frozen-lockfile" : "--no-lockfile",
          "--ignore-scripts",
          "--ignore-pnpmfile",
          "--reporter=append-only",
          ...(cacheDir ? [`--store-dir=${path.join(cacheDir, "pnpm-store")}`] : []),
          offline ? "--offline" : "--prefer-offline",
        ],
        env: {},
      };
    case "yarn-classic":
      return {
        argv: [
          ...viaNpm(`yarn@${pm.version}`, "yarn"),
          "install",
          pm.lockfile ? "--frozen-lockfile" : "--no-lockfile",
          "--ignore-scripts",
          "--non-interactive",
          offline ? "--offline" : "--prefer-offline",
        ],
        env: {},
      };
    case "yarn-berry":
      return {
        // skip-build: yarn 2+ runs the workspace's own postinstall whatever enableScripts says.
        argv: [
          ...viaNpm(`@yarnpkg/cli-dist@${pm.version}`, "yarn"),
          "install",
          ...(pm.lockfile ? ["--immutable"] : []),
          "--mode=skip-build",
        ],
        env: {
          ...(offline ? { YARN_ENABLE_OFFLINE_MODE: "1" } : {}),
          ...(pm.nodeLinker ? { YARN_NODE_LINKER: pm.nodeLinker } : {}),
        },
      };
    case "bun":
      return {
        argv: [
          "bun",
          "install",
          ...(pm.lockfile ? ["--frozen-lockfile"] : []),
          "--ignore-scripts",
          ...(offline ? ["--prefer-offline"] : []),
        ],
        env: {},
      };
  }
}

/** A command of the install's for people: the package manager and its arguments, without `npm exec`'s wrapping. */
export function describeInstall(argv: readonly string[]): string {
  const dashes = argv.indexOf("--");
  return (argv[0] === "npm" && argv[1] === "exec" && dashes > 0 ? argv.slice(dashes + 1) : argv).join(" ");
}
