import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { fileInWorktree } from "./worktree.js";

/** The JavaScript package managers whose installs Sentinel reproduces. */
export type PackageManagerName = "npm" | "pnpm" | "yarn-classic" | "yarn-berry" | "bun";

/** How a repository's CI installs its JavaScript dependencies, read from its files. */
export interface PackageManager {
  readonly name: PackageManagerName;
  /** The lockfile the install follows (relative to the root), or null: npm resolves package.json afresh. */
  readonly lockfile: string | null;
  /** The release to run (`9.12.0`, or a major such as `9`): from `packageManager`, else the lockfile's format. */
  readonly version: string;
  /** What decided it, for the ledger. */
  readonly detectedFrom: string;
  /** Every bin name the dependencies provide, as far as the files say (see `dependencyBins`). */
  readonly bins: ReadonlySet<string>;
  /** yarn 2+: the repository's `nodeLinker` (its .yarnrc.yml itself is never read by the fixer's yarn). */
  readonly nodeLinker?: "node-modules" | "pnp" | "pnpm";
}

// A repository's files are untrusted: anything larger is not read (a lockfile of 60 MB is already huge).
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_LOCKFILE_BYTES = 64 * 1024 * 1024;
const VERSION = /^\d{1,4}(\.\d{1,4}){0,2}(-[0-9A-Za-z.]{1,40})?$/;

const dependencyMap = z.record(z.string(), z.unknown()).optional().catch(undefined);
const manifestSchema = z.object({
  packageManager: z.string().max(200).optional().catch(undefined),
  dependencies: dependencyMap,
  devDependencies: dependencyMap,
  optionalDependencies: dependencyMap,
  peerDependencies: dependencyMap,
});
type Manifest = z.infer<typeof manifestSchema>;

const npmLockSchema = z.object({
  packages: z
    .record(
      z.string(),
      z.object({ bin: z.union([z.string(), z.record(z.string(), z.unknown())]).optional() }).passthrough(),
    )
    .optional()
    .catch(undefined),
});

// Packages whose bins are not named after them, among those a CI job commonly runs.
const KNOWN_BINS: Readonly<Record<string, readonly string[]>> = {
  typescript: ["tsc", "tsserver"],
  "@angular/cli": ["ng"],
  "@biomejs/biome": ["biome"],
  "@vue/cli-service": ["vue-cli-service"],
  "@playwright/test": ["playwright"],
  "npm-run-all": ["npm-run-all", "run-p", "run-s"],
  "npm-run-all2": ["npm-run-all", "run-p", "run-s"],
  "@commitlint/cli": ["commitlint"],
  "@nestjs/cli": ["nest"],
  "@storybook/cli": ["sb", "storybook"],
  "@changesets/cli": ["changeset"],
  "ts-node": ["ts-node", "ts-node-esm"],
  "@microsoft/api-extractor": ["api-extractor"],
};

function readCapped(root: string, relative: string, max: number): string | null {
  if (!fileInWorktree(root, relative)) return null;
  const file = path.join(root, relative);
  try {
    if (!statSync(file).isFile() || statSync(file).size > max) return null;
    return readFileSync(file, "utf8");
  } catch {
    // Unreadable is the same as absent: the install falls back to what the other files say.
    return null;
  }
}

function readJson<T>(root: string, relative: string, max: number, schema: z.ZodType<T>): T | null {
  const text = readCapped(root, relative, max);
  if (text === null) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    // Not JSON: the package manager itself will say so when it runs.
    return null;
  }
}

/** `pnpm@9.12.0+sha512.…` → pnpm, 9.12.0; anything else (or a version that is not one) → null. */
function fromPackageManagerField(field: string | undefined): { tool: string; version: string } | null {
  const m = /^(npm|pnpm|yarn|bun)@([^+\s]+)/.exec(field ?? "");
  if (!m || !VERSION.test(m[2]!)) return null;
  return { tool: m[1]!, version: m[2]! };
}

/** pnpm-lock.yaml's `lockfileVersion` → the pnpm major that writes it. */
function pnpmMajorFor(lock: string): string {
  const v = /^lockfileVersion:\s*'?(\d+)(?:\.(\d+))?/m.exec(lock);
  const major = v ? Number(v[1]) : 9;
  if (major >= 9) return "9";
  if (major >= 6) return "8";
  return "7";
}

/** yarn.lock's `__metadata.version` → the yarn major that writes it (yarn 1 has no `__metadata`). */
function berryMajorFor(lock: string): string {
  const v = /^__metadata:\s*\n\s+version:\s*(\d+)/m.exec(lock);
  const format = v ? Number(v[1]) : 8;
  if (format >= 8) return "4";
  if (format >= 6) return "3";
  return "2";
}

/**
 * The bin names the dependencies provide: from package-lock.json's `bin` fields when there is one
 * (exact), else each dependency's own name (its last segment for a scoped one) plus the few
 * well-known packages whose bins are named otherwise. pnpm and yarn lockfiles do not list bins.
 */
export function dependencyBins(manifest: Manifest, npmLock: z.infer<typeof npmLockSchema> | null): Set<string> {
  const bins = new Set<string>();
  for (const group of [
    manifest.dependencies,
    manifest.devDependencies,
    manifest.optionalDependencies,
    manifest.peerDependencies,
  ]) {
    for (const name of Object.keys(group ?? {})) {
      bins.add(name.split("/").pop() as string);
      for (const b of KNOWN_BINS[name] ?? []) bins.add(b);
    }
  }
  for (const [key, entry] of Object.entries(npmLock?.packages ?? {})) {
    // Only hoisted packages' bins land in node_modules/.bin.
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key);
    if (!m || entry.bin === undefined) continue;
    if (typeof entry.bin === "string") bins.add(m[1]!.split("/").pop() as string);
    else for (const b of Object.keys(entry.bin)) bins.add(b);
  }
  return bins;
}

/**
 * How the repository at `root` installs its JavaScript dependencies, or null when it has no
 * package.json. The `packageManager` field (corepack's) decides first, as it does in CI; then
 * the lockfile: package-lock.json or npm-shrinkwrap.json → npm, pnpm-lock.yaml → pnpm,
 * yarn.lock → yarn (2+ when there is a .yarnrc.yml or the lockfile has `__metadata`), bun.lock
 * or bun.lockb → bun; none → npm resolving package.json.
 */
export function detectPackageManager(root: string): PackageManager | null {
  const manifest = readJson(root, "package.json", MAX_MANIFEST_BYTES, manifestSchema);
  if (!manifest) return null;
  const has = (f: string) => fileInWorktree(root, f);
  const declared = fromPackageManagerField(manifest.packageManager);
  const npmLockfile = ["npm-shrinkwrap.json", "package-lock.json"].find(has) ?? null;
  const npmLock = npmLockfile ? readJson(root, npmLockfile, MAX_LOCKFILE_BYTES, npmLockSchema) : null;
  const bins = dependencyBins(manifest, npmLock);
  const via = (what: string) => (declared ? `package.json packageManager ${manifest.packageManager}` : what);

  const tool =
    declared?.tool ??
    (npmLockfile
      ? "npm"
      : has("pnpm-lock.yaml")
        ? "pnpm"
        : has("yarn.lock")
          ? "yarn"
          : has("bun.lock") || has("bun.lockb")
            ? "bun"
            : "npm");
  switch (tool) {
    case "pnpm": {
      const lock = has("pnpm-lock.yaml") ? "pnpm-lock.yaml" : null;
      const version = declared?.version ?? pnpmMajorFor(lock ? (readCapped(root, lock, MAX_LOCKFILE_BYTES) ?? "") : "");
      return { name: "pnpm", lockfile: lock, version, detectedFrom: via(lock ?? "package.json"), bins };
    }
    case "yarn": {
      const lock = has("yarn.lock") ? "yarn.lock" : null;
      const text = lock ? (readCapped(root, lock, MAX_LOCKFILE_BYTES) ?? "") : "";
      const berry = declared ? !declared.version.startsWith("1") : has(".yarnrc.yml") || /^__metadata:/m.test(text);
      if (!berry)
        return {
          name: "yarn-classic",
          lockfile: lock,
          version: declared?.version ?? "1",
          detectedFrom: via(lock ?? "package.json"),
          bins,
        };
      const linker = /^nodeLinker:\s*["']?(node-modules|pnp|pnpm)["']?\s*$/m.exec(
        readCapped(root, ".yarnrc.yml", MAX_MANIFEST_BYTES) ?? "",
      )?.[1] as PackageManager["nodeLinker"] | undefined;
      return {
        name: "yarn-berry",
        lockfile: lock,
        version: declared?.version ?? berryMajorFor(text),
        detectedFrom: via(has(".yarnrc.yml") ? ".yarnrc.yml" : (lock ?? "package.json")),
        bins,
        ...(linker ? { nodeLinker: linker } : {}),
      };
    }
    case "bun": {
      const lock = ["bun.lock", "bun.lockb"].find(has) ?? null;
      return {
        name: "bun",
        lockfile: lock,
        version: declared?.version ?? "1",
        detectedFrom: via(lock ?? "package.json"),
        bins,
      };
    }
    default:
      return {
        name: "npm",
        lockfile: npmLockfile,
        version: declared?.version ?? "",
        detectedFrom: via(npmLockfile ?? "package.json without a lockfile"),
        bins,
      };
  }
}
